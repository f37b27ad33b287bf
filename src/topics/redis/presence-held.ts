import type { PresenceSync } from '../presence-backend.js';
import type { StoredHeld } from './presence-commands.js';

/**
 * @internal Adds the held leaves of a state read (a closing process's connections closed within
 * their grace, docs/presence.md "Closes and deploys") to `syncs`: each in its process's sync,
 * among its entries and in its `leaving`, so the reader lists it until its grace ends, then drops
 * it. A process that closed has no sync of its own: it gets one at the seq of the change that held
 * them, which is what the processes listening then applied already (they ignore it at a resync).
 * Leaves no held leave of `own` in (its entries are its own to tell).
 */
export function addHeld(syncs: PresenceSync[], held: StoredHeld[], own: string): void {
  const byProcess = new Map(syncs.map((sync) => [sync.process, sync]));
  for (const { process, seq, entry, grace } of held) {
    if (process === own) continue;
    let sync = byProcess.get(process);
    if (sync === undefined) {
      byProcess.set(process, (sync = { process, seq, entries: [] }));
      syncs.push(sync);
    }
    sync.seq = Math.max(sync.seq, seq);
    sync.entries.push(entry);
    (sync.leaving ??= []).push({ key: entry.key, ref: entry.ref, grace });
  }
}
