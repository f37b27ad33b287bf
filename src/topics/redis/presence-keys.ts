/**
 * Whether Redis Cluster places `key` by a hash tag: the part between its first `{` and the first
 * `}` after it, when not empty (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open === -1) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * @internal The Redis names of one topic's presence: its channel and its keys, all in one hash
 * slot, so that one script reads and writes them and publishes on the channel (SPUBLISH in a
 * cluster). A topic whose name holds a hash tag (`room:{42}:chat`) keeps it, so it is placed as
 * its messages are; another is wrapped in braces, which spreads topics over the shards. The two
 * forms cannot collide (`=` or `{` after `presence:`), and the suffixes `:s`, `:h` and
 * `:e:<process>` cannot make one topic's key another's (a process id has no `:`).
 */
export class PresenceKeys {
  /** The channel; also the start of every key. */
  readonly channel: string;
  /** Hash: process -> '<generation>:<seq>'. */
  readonly processes: string;
  /** The start of each process's entries hash: `entriesPrefix + process`. */
  readonly entriesPrefix: string;
  /** Hash: ref -> '<deadline> <generation>:<seq> <entry with its process>': closed processes' held leaves, until their grace ends. */
  readonly held: string;

  constructor(prefix: string, topic: string) {
    const tagged = `${prefix}presence:=${topic}`;
    this.channel = hasHashTag(tagged) ? tagged : `${prefix}presence:{${topic}}`;
    this.processes = `${this.channel}:s`;
    this.entriesPrefix = `${this.channel}:e:`;
    this.held = `${this.channel}:h`;
  }

  entries(process: string): string {
    return this.entriesPrefix + process;
  }
}

/** @internal The keys shared by every topic: the leases (one slot), and each process's topics. */
export class LeaseKeys {
  /** Zset: process -> when its lease runs out (ms, Redis's clock). */
  readonly leases: string;
  /** Hash: process -> its generation. */
  readonly generations: string;
  readonly #prefix: string;

  constructor(prefix: string) {
    this.leases = `${prefix}presence:{leases}`;
    this.generations = `${prefix}presence:{leases}:g`;
    this.#prefix = prefix;
  }

  /** Set: the topics `process` had entries in under `generation`, for whoever sweeps it. */
  topicsOf(process: string, generation: number): string {
    return `${this.#prefix}presence:topics:${generation}:${process}`;
  }
}
