import type { PresenceChange, PresenceEntry, PresenceSync } from '../presence-backend.js';
import type { PresenceKeys } from './presence-keys.js';
import { changeScript, GENERATION_SPAN, removeScript, STATE_SCRIPT, syncScript } from './presence-scripts.js';
import type { RedisClient, RedisLink } from './redis-link.js';

/** The scripts, as ioredis defines them on the connection (EVALSHA, loading the script when Redis lacks it). */
interface Scripts {
  upsocketPresenceChange(processes: string, entries: string, ...args: string[]): Promise<number>;
  upsocketPresenceSync(processes: string, entries: string, ...args: string[]): Promise<number>;
  upsocketPresenceRemove(processes: string, entries: string, channel: string, process: string, generation: string, start: string): Promise<number>;
  upsocketPresenceState(processes: string, held: string, entriesPrefix: string): Promise<[[string, string, string[]][], [string, string, string][]]>;
}

/** One process's entries in a topic as Redis holds them, with the generation they were written under (`seq` as listeners see it). */
export interface StoredProcess extends PresenceSync {
  generation: number;
}

/** A leave a closing process held back, as Redis holds it until its grace ends: listed `grace` ms more. */
export interface StoredHeld {
  process: string;
  /** The seq (as listeners see it) of the change that held it: its process's last. */
  seq: number;
  entry: PresenceEntry;
  grace: number;
}

/**
 * The first byte of a presence message on its channel: 'P', where a topic's messages start with
 * 1-4 (envelope.ts), so a topic whose channel happens to be a presence channel's name is told apart.
 */
export const PRESENCE_MARK = 0x50;

/** The seq listeners see for `seq` of `generation` (GENERATION_SPAN). */
export function seqOf(generation: number, seq: number): number {
  return generation * GENERATION_SPAN + seq;
}

/** '<generation>:<seq>' as numbers. */
function parseVersion(version: string): [number, number] {
  const colon = version.indexOf(':');
  return [Number(version.slice(0, colon)), Number(version.slice(colon + 1))];
}

/** A presence event as it travels on a topic's channel: 'P' then its JSON, with the seq listeners see. */
function encodeEvent(event: PresenceChange | PresenceSync, generation: number): string {
  return `P${JSON.stringify({ ...event, seq: seqOf(generation, event.seq) })}`;
}

/**
 * @internal The commands presence sends for one topic: each one script on the node of the topic's
 * slot (presence-scripts.ts), which applies the change and publishes it in one step.
 */
export class PresenceCommands {
  readonly #client: RedisClient & Scripts;

  constructor(link: RedisLink) {
    const client = link.publisher;
    client.defineCommand('upsocketPresenceChange', { numberOfKeys: 3, lua: changeScript(link.publishCommand) });
    client.defineCommand('upsocketPresenceSync', { numberOfKeys: 2, lua: syncScript(link.publishCommand) });
    client.defineCommand('upsocketPresenceRemove', { numberOfKeys: 2, lua: removeScript(link.publishCommand) });
    client.defineCommand('upsocketPresenceState', { numberOfKeys: 2, lua: STATE_SCRIPT });
    this.#client = client as RedisClient & Scripts;
  }

  /** Applies and publishes `change`; its leaves with a grace stay listed in Redis (`keys.held`) until it ends. */
  change(keys: PresenceKeys, generation: number, change: PresenceChange): Promise<number> {
    const { process, seq, joins, leaves } = change;
    const args = [keys.channel, process, String(generation), String(seq), encodeEvent(change, generation), JSON.stringify(process), String(joins.length)];
    for (const entry of joins) args.push(entry.ref, JSON.stringify(entry));
    const held = leaves.filter(({ grace }) => grace !== undefined && grace > 0);
    args.push(String(held.length));
    for (const { ref, grace } of held) args.push(ref, String(Math.ceil(grace!)));
    for (const leave of leaves) if (!held.includes(leave)) args.push(leave.ref);
    return this.#client.upsocketPresenceChange(keys.processes, keys.entries(process), keys.held, ...args);
  }

  sync(keys: PresenceKeys, generation: number, sync: PresenceSync): Promise<number> {
    const args = [keys.channel, sync.process, String(generation), String(sync.seq), encodeEvent(sync, generation)];
    for (const entry of sync.entries) args.push(entry.ref, JSON.stringify(entry));
    return this.#client.upsocketPresenceSync(keys.processes, keys.entries(sync.process), ...args);
  }

  /** Removes `process`'s entries of `generation` or older, telling the listeners `entries: []`. */
  remove(keys: PresenceKeys, process: string, generation: number): Promise<number> {
    const start = `P{"process":${JSON.stringify(process)},"seq":`;
    return this.#client.upsocketPresenceRemove(keys.processes, keys.entries(process), keys.channel, process, String(generation), start);
  }

  /** Every process's entries in the topic, and the held leaves whose grace runs, in one read. */
  async state(keys: PresenceKeys): Promise<{ processes: StoredProcess[]; held: StoredHeld[] }> {
    const [processes, held] = await this.#client.upsocketPresenceState(keys.processes, keys.held, keys.entriesPrefix);
    return {
      processes: processes.map(([process, version, entries]) => {
        const [generation, seq] = parseVersion(version);
        return { process, generation, seq: seqOf(generation, seq), entries: entries.map((entry) => JSON.parse(entry) as PresenceEntry) };
      }),
      held: held.map(([version, left, json]) => {
        const [generation, seq] = parseVersion(version);
        const { process, ...entry } = JSON.parse(json) as PresenceEntry & { process: string };
        return { process, seq: seqOf(generation, seq), entry, grace: Number(left) };
      }),
    };
  }

  /** Records that `process` has entries in `topic` under `generation`, for whoever sweeps it. */
  record(topicsKey: string, topic: string): Promise<unknown> {
    return this.#client.sadd(topicsKey, topic);
  }

  unrecord(topicsKey: string, topic: string): Promise<unknown> {
    return this.#client.srem(topicsKey, topic);
  }

  topicsOf(topicsKey: string): Promise<string[]> {
    return this.#client.smembers(topicsKey);
  }

  forget(topicsKey: string): Promise<unknown> {
    return this.#client.del(topicsKey);
  }
}
