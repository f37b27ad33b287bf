// Several "processes" (Topics instances) in one test process, sharing presence through a bus that
// follows the PresenceBackend contract the way a service would: it stores each process's entries
// per topic with the seq of its last change, delivers changes to the other processes that listen,
// asynchronously and in order, answers state(), and can let a process's lease lapse (kill()). Topic
// messages stay in each process (a memory backend each): only presence is shared.
import { createMemoryBackend, type PresenceBackend, type PresenceChange, type PresenceListener, type PresenceSync, type TopicBackend } from '../../src/index.js';

interface Member {
  listener: PresenceListener;
  listening: Set<string>;
}

export class PresenceBus {
  /** topic → process → its entries (by ref) and the seq they are at. */
  readonly #store = new Map<string, Map<string, PresenceSync>>();
  readonly #members = new Map<string, Member>();
  /** Set by a test: state() answers only once this resolves (events meanwhile still flow). */
  stateGate: Promise<void> | undefined;

  /** A backend for one more process. */
  backend(): TopicBackend {
    const memory = createMemoryBackend();
    const bus = this;
    let self = '';
    const presence: PresenceBackend = {
      start(process, listener) {
        self = process;
        bus.#members.set(process, { listener, listening: new Set() });
      },
      publish: (topic, change) => Promise.resolve(bus.#publish(topic, change)),
      listen: (topic) => Promise.resolve(void bus.#members.get(self)?.listening.add(topic)),
      unlisten: (topic) => Promise.resolve(void bus.#members.get(self)?.listening.delete(topic)),
      state: async (topic) => {
        const snapshot = [...(bus.#store.get(topic)?.values() ?? [])].map((sync) => ({ ...sync, entries: [...sync.entries] }));
        await bus.stateGate;
        return snapshot;
      },
    };
    return {
      publish: (topic, message) => memory.publish(topic, message),
      subscribe: (topic, listener) => memory.subscribe(topic, listener),
      unsubscribe: (topic, listener) => memory.unsubscribe(topic, listener),
      close: () => {
        bus.#members.delete(self);
        return memory.close();
      },
      presence,
    };
  }

  /** The process died without a word: its lease lapses, the others get `{ entries: [] }`. */
  kill(process: string): void {
    this.#members.delete(process);
    for (const [topic, processes] of this.#store) {
      const sync = processes.get(process);
      if (sync === undefined) continue;
      processes.delete(process);
      this.#deliver(topic, process, { process, seq: sync.seq + 1, entries: [] });
    }
  }

  #publish(topic: string, change: PresenceChange): void {
    let processes = this.#store.get(topic);
    if (processes === undefined) this.#store.set(topic, (processes = new Map()));
    const entries = new Map((processes.get(change.process)?.entries ?? []).map((entry) => [entry.ref, entry]));
    for (const { ref } of change.leaves) entries.delete(ref);
    for (const entry of change.joins) entries.set(entry.ref, entry);
    processes.set(change.process, { process: change.process, seq: change.seq, entries: [...entries.values()] });
    this.#deliver(topic, change.process, change);
  }

  /** To every other listening process, a macrotask later (as from the network). */
  #deliver(topic: string, from: string, event: PresenceChange | PresenceSync): void {
    for (const [process, member] of this.#members) {
      if (process === from || !member.listening.has(topic)) continue;
      setImmediate(() => member.listener(topic, structuredClone(event)));
    }
  }
}
