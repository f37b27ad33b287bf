// A process running only a Redis backend's presence (test/fixtures/presence-backend-node.ts), for
// the backend-level tests of presence across processes: its calls go over IPC, the presence events
// its listener receives come back and are kept in order.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { PresenceCommand, PresenceReply } from '../fixtures/presence-backend-node.js';
import type { PresenceChange, PresenceEntry, PresenceSync } from '../../src/topics/presence-backend.js';
import { onCleanup } from '../helpers/cleanup.js';
import { until } from '../helpers/server.js';

const script = fileURLToPath(new URL('../fixtures/presence-backend-node.ts', import.meta.url));

export type PresenceEvent = PresenceChange | PresenceSync;
type Call = PresenceCommand extends infer C ? (C extends PresenceCommand ? Omit<C, 'id'> : never) : never;

/** A change of `process` in which entries joined: `[key, ref, meta]`. */
export function joins(process: string, seq: number, ...entries: [string, string, unknown?][]): PresenceChange {
  return { process, seq, joins: entries.map(([key, ref, meta]) => ({ key, ref, meta: meta ?? null })), leaves: [] };
}

export class PresenceProcess {
  /** Every event the listener got: [topic, event], in order. */
  readonly events: [string, PresenceEvent][] = [];
  readonly id: string;
  readonly #child: ChildProcess;
  #nextId = 1;

  private constructor(id: string, child: ChildProcess) {
    this.id = id;
    this.#child = child;
    child.on('message', (message: { event?: { topic: string; event: PresenceEvent } }) => {
      if (message.event !== undefined) this.events.push([message.event.topic, message.event.event]);
    });
  }

  /** `redis`: { REDIS_URL } or { REDIS_CLUSTER: 'url,url,url' }; `lease` in ms. */
  static async start(id: string, redis: Record<string, string>, lease: number): Promise<PresenceProcess> {
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...redis, PROCESS_ID: id, PRESENCE_LEASE: String(lease) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    onCleanup(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    });
    await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`presence process ${id} exited with ${code} before it was ready`))),
    ]);
    return new PresenceProcess(id, child);
  }

  call(command: Call): Promise<PresenceReply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const onMessage = (reply: PresenceReply): void => {
        if (reply.id !== id) return;
        this.#child.off('message', onMessage);
        resolve(reply);
      };
      this.#child.on('message', onMessage);
      this.#child.send({ id, ...command });
    });
  }

  async publish(topic: string, change: PresenceChange): Promise<PresenceReply> {
    return this.call({ op: 'publish', topic, change });
  }

  async listen(topic: string): Promise<void> {
    const reply = await this.call({ op: 'listen', topic });
    if (!reply.ok) throw new Error(`listen(${topic}) in ${this.id} failed: ${reply.code}`);
  }

  async state(topic: string): Promise<PresenceSync[]> {
    const reply = await this.call({ op: 'state', topic });
    if (!reply.ok) throw new Error(`state(${topic}) in ${this.id} failed: ${reply.code}`);
    return reply.value as PresenceSync[];
  }

  /**
   * What the events say each other process has in `topic`, as `{ process: refs }`: syncs replace,
   * changes add and remove (the replica `Topics` keeps, without its seq checks).
   */
  view(topic: string): Record<string, string[]> {
    const view = new Map<string, Map<string, PresenceEntry>>();
    for (const [eventTopic, event] of this.events) {
      if (eventTopic !== topic) continue;
      if ('entries' in event) view.set(event.process, new Map(event.entries.map((entry) => [entry.ref, entry])));
      else {
        const entries = view.get(event.process) ?? new Map<string, PresenceEntry>();
        for (const entry of event.joins) entries.set(entry.ref, entry);
        for (const leave of event.leaves) entries.delete(leave.ref);
        view.set(event.process, entries);
      }
    }
    const result: Record<string, string[]> = {};
    for (const [process, entries] of [...view].sort(([a], [b]) => a.localeCompare(b))) if (entries.size > 0) result[process] = [...entries.keys()].sort();
    return result;
  }

  /** Until the view of `topic` is `expected`. */
  async untilView(topic: string, expected: Record<string, string[]>, timeout = 10_000): Promise<void> {
    await until(() => JSON.stringify(this.view(topic)) === JSON.stringify(expected), timeout, `${this.id}'s view of ${topic} to be ${JSON.stringify(expected)} (is ${JSON.stringify(this.view(topic))})`);
  }

  /** Dies without closing anything. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const exited = once(this.#child, 'exit');
    this.#child.kill(signal);
    if (signal === 'SIGKILL') await exited;
  }

  /** Stops or resumes it (SIGSTOP, SIGCONT): a process that is alive but does not run. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.#child.kill(signal);
  }

  /** Closes its backend (removing its entries) and exits. */
  async exit(): Promise<void> {
    const exited = once(this.#child, 'exit');
    this.#child.send('exit');
    await exited;
  }
}

/** Sorted refs of each process in a state answer, for comparison with a view. */
export function stateView(state: PresenceSync[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const { process, entries } of [...state].sort((a, b) => a.process.localeCompare(b.process))) {
    if (entries.length > 0) result[process] = entries.map(({ ref }) => ref).sort();
  }
  return result;
}
