import { applyOwnChange, type PresenceBackend, type PresenceChange, type PresenceEntry, type PresenceListener, type PresenceSync } from './presence-backend.js';

const resolved: Promise<void> = Promise.resolve();

/**
 * @internal The memory backend's presence: one process, so no other process to tell or hear from.
 * It still keeps this process's entries per topic from the changes it is given, as every backend
 * does, and answers them to `state()`.
 */
export class MemoryPresence implements PresenceBackend {
  #process = '';
  #seq = 0;
  readonly #entries = new Map<string, Map<string, PresenceEntry>>();

  start(process: string, _listener: PresenceListener): void {
    this.#process = process;
  }

  publish(topic: string, change: PresenceChange): Promise<void> {
    this.#seq = change.seq;
    applyOwnChange(this.#entries, topic, change);
    return resolved;
  }

  listen(_topic: string): Promise<void> {
    return resolved;
  }

  unlisten(_topic: string): Promise<void> {
    return resolved;
  }

  state(topic: string): Promise<PresenceSync[]> {
    const entries = this.#entries.get(topic);
    if (entries === undefined) return Promise.resolve([]);
    return Promise.resolve([{ process: this.#process, seq: this.#seq, entries: [...entries.values()] }]);
  }

  clear(): void {
    this.#entries.clear();
  }
}
