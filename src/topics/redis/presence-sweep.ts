import { noop } from './redis-link.js';
import type { RedisLink } from './redis-link.js';
import type { PresenceCommands, StoredProcess } from './presence-commands.js';
import { PresenceKeys, type LeaseKeys } from './presence-keys.js';
import type { PresenceLease } from './presence-lease.js';

/**
 * @internal Claims the lapsed leases and removes their processes' entries from each topic they had,
 * which tells every listening process (`entries: []`). A claim is one sweeper's only. Run by every
 * process using presence, every fifth of the lease.
 */
export async function sweepLapsed(lease: PresenceLease, commands: PresenceCommands, leaseKeys: LeaseKeys, prefix: string, link: RedisLink): Promise<void> {
  if (link.publisher.status !== 'ready') return;
  for (const [process, generation] of await lease.claimLapsed()) {
    const topicsKey = leaseKeys.topicsOf(process, generation);
    const topics = await commands.topicsOf(topicsKey);
    await Promise.all(topics.map((topic) => commands.remove(new PresenceKeys(prefix, topic), process, generation)));
    await commands.forget(topicsKey);
  }
}

/**
 * @internal The processes of a topic's state (but `own`) whose lease runs, in the generation they
 * wrote: the others' entries (a process that lapsed and was not swept yet, or wrote after its sweep)
 * are removed now, as a sweep would.
 */
export async function liveProcesses(lease: PresenceLease, commands: PresenceCommands, keys: PresenceKeys, own: string, stored: StoredProcess[]): Promise<StoredProcess[]> {
  const others = stored.filter(({ process }) => process !== own);
  const alive = await lease.alive(others.map(({ process }) => process));
  const live: StoredProcess[] = [];
  others.forEach((entry, index) => {
    const generation = alive[index];
    if (generation !== undefined && entry.generation >= generation) live.push(entry);
    else void commands.remove(keys, entry.process, entry.generation).catch(noop);
  });
  return live;
}
