import type { PresenceBackend, PresenceChange, PresenceListener, PresenceSync } from './presence-backend.js';

const resolved: Promise<void> = Promise.resolve();

/**
 * @internal The memory backend's presence: one process, so no other process to tell or hear from.
 * `Topics` keeps this process's own entries itself (every caller of `state()` leaves its own
 * process's sync out), so there is nothing to keep here: changes go nowhere and `state()` answers
 * no other process.
 */
export class MemoryPresence implements PresenceBackend {
  start(_process: string, _listener: PresenceListener): void {}

  publish(_topic: string, _change: PresenceChange): Promise<void> {
    return resolved;
  }

  listen(_topic: string): Promise<void> {
    return resolved;
  }

  unlisten(_topic: string): Promise<void> {
    return resolved;
  }

  state(_topic: string): Promise<PresenceSync[]> {
    return Promise.resolve([]);
  }

  clear(): void {}
}
