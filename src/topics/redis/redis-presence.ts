import { UpsocketError } from '../../core/index.js';
import { applyOwnChange, type PresenceBackend, type PresenceChange, type PresenceEntry, type PresenceListener, type PresenceSync } from '../presence-backend.js';
import { PRESENCE_MARK, PresenceCommands, seqOf, type StoredProcess } from './presence-commands.js';
import { LeaseKeys, PresenceKeys } from './presence-keys.js';
import { PresenceLease } from './presence-lease.js';
import { liveProcesses, sweepLapsed } from './presence-sweep.js';
import { noop, type RedisLink } from './redis-link.js';

/** What the Redis backend hands its presence. */
export interface RedisPresenceSettings {
  prefix: string;
  /** The lease's length in ms: a process that stops renewing it is swept within lease + lease / 5. */
  lease: number;
  /** Resolve once the publishing (subscriber) connection is ready; reject after the backend's timeout. */
  publisherReady(): Promise<void>;
  subscriberReady(): Promise<void>;
  /** The backend's `UPSOCKET_BACKEND_UNAVAILABLE` error for `what`. */
  unavailable(what: string, error: unknown, consequence: string): Error;
  report(error: Error): void;
}

/** A listened topic: its channel, and the other processes seen in it with their last seq (for the leaves after a resync). */
interface Listened {
  keys: PresenceKeys;
  known: Map<string, number>;
  subscription: Promise<void>;
}

/**
 * @internal Presence across processes through Redis (docs/presence.md, "Redis"): each
 * process's entries of a topic in a hash of their own, changed and published by one script each
 * (presence-scripts.ts), under the process's liveness lease (presence-lease.ts); every process
 * sweeps the lapsed leases of the others. While Redis is unreachable the process keeps applying
 * its own changes here and writes each topic it changed whole once Redis takes it again.
 */
export class RedisPresence implements PresenceBackend {
  readonly #link: RedisLink;
  readonly #settings: RedisPresenceSettings;
  readonly #commands: PresenceCommands;
  readonly #leaseKeys: LeaseKeys;
  #lease: PresenceLease | undefined;
  #process = '';
  #listener: PresenceListener = noop;
  /** The last seq this process published (its changes number across all topics). */
  #seq = 0;
  /** This process's entries per topic: what it writes whole after an outage or a new generation. */
  readonly #own = new Map<string, Map<string, PresenceEntry>>();
  /** Topics whose changes Redis may have missed: written whole (a sync) before the next change. */
  readonly #dirty = new Set<string>();
  /** Listened topics whose state could not be read: read again (and sent whole) at the next renewal. */
  readonly #stale = new Set<string>();
  /** The seq of each topic's last whole write (a sync): a change it covered is not sent again. */
  readonly #wholeAt = new Map<string, number>();
  /** Topics recorded in this generation's topics set. */
  readonly #recorded = new Set<string>();
  readonly #listened = new Map<string, Listened>();
  readonly #topicOfChannel = new Map<string, string>();
  #renewal: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(link: RedisLink, settings: RedisPresenceSettings) {
    this.#link = link;
    this.#settings = settings;
    this.#commands = new PresenceCommands(link);
    this.#leaseKeys = new LeaseKeys(settings.prefix);
  }

  start(process: string, listener: PresenceListener): void {
    this.#process = process;
    this.#listener = listener;
    this.#lease = new PresenceLease(this.#link.publisher, this.#leaseKeys, this.#settings.lease, process);
  }

  publish(topic: string, change: PresenceChange): Promise<void> {
    this.#assertOpen('publish presence');
    this.#seq = change.seq;
    applyOwnChange(this.#own, topic, change);
    this.#run();
    return this.#send(topic, change).catch((error: unknown) => {
      this.#dirty.add(topic);
      throw this.#settings.unavailable(`Cannot publish the presence of topic "${topic}"`, error, 'This process keeps its members and writes them whole once Redis is back.');
    });
  }

  listen(topic: string): Promise<void> {
    this.#assertOpen('listen to presence');
    this.#run();
    const listened = this.#listened.get(topic);
    if (listened !== undefined) return listened.subscription;
    const keys = this.#keysOf(topic);
    const subscription = this.#settings.subscriberReady().then(() => {
      if (this.#listened.get(topic)?.keys !== keys) return;
      return this.#link.subscribe([keys.channel]).then(noop);
    });
    subscription.catch(noop);
    this.#listened.set(topic, { keys, known: new Map(), subscription });
    this.#topicOfChannel.set(keys.channel, topic);
    return subscription.catch((error: unknown) => {
      throw this.#settings.unavailable(`Cannot listen to the presence of topic "${topic}" yet`, error, 'It is listened to when Redis is reachable.');
    });
  }

  unlisten(topic: string): Promise<void> {
    const listened = this.#listened.get(topic);
    if (listened === undefined) return Promise.resolve();
    this.#listened.delete(topic);
    this.#topicOfChannel.delete(listened.keys.channel);
    if (this.#closed || this.#link.subscriber.status !== 'ready') return Promise.resolve();
    return this.#link.unsubscribe(listened.keys.channel).then(noop, noop);
  }

  async state(topic: string): Promise<PresenceSync[]> {
    this.#assertOpen('read presence');
    this.#run();
    let stored: StoredProcess[];
    try {
      await this.#settings.publisherReady();
      stored = await liveProcesses(this.#lease!, this.#commands, this.#keysOf(topic), this.#process, await this.#commands.state(this.#keysOf(topic)));
    } catch (error) {
      // A listener that started from this answer would otherwise never hear the other processes'
      // members that changes alone do not bring: resync it once Redis answers again.
      if (this.#listened.has(topic)) this.#stale.add(topic);
      throw this.#settings.unavailable(`Cannot read the presence of topic "${topic}"`, error, 'Nothing was read.');
    }
    const known = this.#listened.get(topic)?.known;
    const syncs: PresenceSync[] = [];
    for (const { process, seq, entries } of stored) {
      if (process === this.#process) continue;
      known?.set(process, seq);
      syncs.push({ process, seq, entries });
    }
    const own = this.#own.get(topic);
    if (own !== undefined) syncs.push({ process: this.#process, seq: seqOf(this.#lease!.generation, this.#seq), entries: [...own.values()] });
    return syncs;
  }

  /** A message on a subscribed channel: true when it was presence's (then handled). */
  onMessage(channel: string, data: Buffer): boolean {
    if (data[0] !== PRESENCE_MARK) return false;
    const topic = this.#topicOfChannel.get(channel);
    if (topic === undefined) return false;
    let event: PresenceChange | PresenceSync;
    try {
      event = JSON.parse(data.toString('utf8', 1)) as PresenceChange | PresenceSync;
    } catch {
      return false;
    }
    if (event.process === this.#process) return true;
    const known = this.#listened.get(topic)!.known;
    if ((event as PresenceSync).entries?.length === 0) known.delete(event.process);
    else known.set(event.process, event.seq);
    this.#emit(topic, event);
    return true;
  }

  /**
   * The subscriber connection is back (or a cluster shard's): subscribe the listened topics'
   * channels again and send each one's processes whole, since changes may have been missed.
   * Processes seen before but absent from Redis now are removed only after a lease's length:
   * after Redis lost its data (a restart), the live ones write their entries again by then.
   */
  resubscribe(): void {
    const topics = [...this.#listened.keys()];
    if (topics.length === 0 || this.#closed) return;
    const channels = topics.map((topic) => this.#listened.get(topic)!.keys.channel);
    this.#link.subscribe(channels).then(
      () => {
        for (const topic of topics) void this.#resync(topic, false);
      },
      (error: unknown) => this.#settings.report(this.#settings.unavailable(`Cannot listen again to the presence of ${topics.length} topic(s)`, error, 'Retrying on the next reconnect.')),
    );
  }

  /** The publishing connection is back: renew the lease (or register again) and write what Redis may have missed. */
  publisherReady(): void {
    if (this.#timers.length > 0 && !this.#closed) this.#renew().catch(noop);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const lease = this.#lease;
    if (lease === undefined || lease.generation === 0 || this.#link.publisher.status !== 'ready') return;
    const generation = lease.generation;
    // Topics listeners of this process are told nothing: they are closing with it.
    await Promise.all([...this.#recorded].map((topic) => this.#commands.remove(this.#keysOf(topic), this.#process, generation))).catch(noop);
    await Promise.all([this.#commands.forget(this.#leaseKeys.topicsOf(this.#process, generation)), lease.release()]).catch(noop);
  }

  /** Starts the lease's renewal and the sweep, on presence's first use. */
  #run(): void {
    if (this.#timers.length > 0 || this.#closed) return;
    const length = this.#settings.lease;
    const renew = setInterval(() => void this.#renew().catch(noop), Math.max(1, Math.floor(length / 3)));
    const sweep = setInterval(() => void sweepLapsed(this.#lease!, this.#commands, this.#leaseKeys, this.#settings.prefix, this.#link).catch(noop), Math.max(1, Math.floor(length / 5)));
    renew.unref();
    sweep.unref();
    this.#timers = [renew, sweep];
  }

  /** Renews the lease, one renewal at a time; a new generation writes every topic of this process whole. */
  #renew(): Promise<void> {
    this.#renewal ??= (async () => {
      try {
        await this.#settings.publisherReady();
        if (await this.#lease!.renew()) {
          this.#recorded.clear();
          for (const topic of this.#own.keys()) this.#dirty.add(topic);
        }
        await Promise.all([...this.#dirty].map((topic) => this.#sync(topic)));
        const stale = [...this.#stale];
        this.#stale.clear();
        for (const topic of stale) void this.#resync(topic, false);
      } finally {
        this.#renewal = undefined;
      }
    })();
    return this.#renewal;
  }

  async #send(topic: string, change: PresenceChange): Promise<void> {
    // Never write under a lease that may have lapsed: a sweeper could remove it after the write.
    if (!this.#lease!.fresh) await this.#renew();
    if (this.#dirty.has(topic)) return this.#sync(topic);
    // The renewal just wrote the topic whole (a new generation: the first change of all), this change included.
    if ((this.#wholeAt.get(topic) ?? -1) >= change.seq) return;
    const keys = this.#keysOf(topic);
    await Promise.all([this.#record(topic), this.#commands.change(keys, this.#lease!.generation, change)]);
    this.#unrecordIfLeft(topic);
  }

  /** Writes this process's entries of `topic` whole (none: removes them), as a PresenceSync. */
  async #sync(topic: string): Promise<void> {
    this.#dirty.delete(topic);
    const sync = { process: this.#process, seq: this.#seq, entries: [...(this.#own.get(topic)?.values() ?? [])] };
    try {
      await Promise.all([this.#record(topic), this.#commands.sync(this.#keysOf(topic), this.#lease!.generation, sync)]);
      this.#wholeAt.set(topic, sync.seq);
      this.#unrecordIfLeft(topic);
    } catch (error) {
      this.#dirty.add(topic);
      throw error;
    }
  }

  #record(topic: string): Promise<unknown> {
    if (this.#recorded.has(topic)) return Promise.resolve();
    this.#recorded.add(topic);
    return this.#commands.record(this.#leaseKeys.topicsOf(this.#process, this.#lease!.generation), topic).catch((error: unknown) => {
      this.#recorded.delete(topic);
      throw error;
    });
  }

  /**
   * This process has no entry left in `topic` (and Redis took that): it leaves the topics set, so
   * that a process using many topics over time (one per document) does not leave its sweeper a
   * long list. Same key, same connection as a later SADD: they arrive in order.
   */
  #unrecordIfLeft(topic: string): void {
    if (this.#own.has(topic) || !this.#recorded.delete(topic)) return;
    this.#wholeAt.delete(topic);
    void this.#commands.unrecord(this.#leaseKeys.topicsOf(this.#process, this.#lease!.generation), topic).catch(noop);
  }

  /** Sends `topic`'s processes whole; with `final`, also removes the known ones Redis no longer has. */
  async #resync(topic: string, final: boolean): Promise<void> {
    const listened = this.#listened.get(topic);
    if (listened === undefined || this.#closed) return;
    let syncs: PresenceSync[];
    try {
      syncs = await this.state(topic);
    } catch (error) {
      this.#settings.report(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#listened.get(topic) !== listened) return;
    const present = new Set(syncs.map(({ process }) => process));
    for (const sync of syncs) if (sync.process !== this.#process) this.#emit(topic, sync);
    const absent = [...listened.known].filter(([process]) => !present.has(process));
    if (absent.length === 0) return;
    if (!final) {
      const timer = setTimeout(() => void this.#resync(topic, true), this.#settings.lease);
      timer.unref();
      return;
    }
    for (const [process, seq] of absent) {
      listened.known.delete(process);
      // Newer than what was seen of it; a process still alive has a new generation, newer still.
      this.#emit(topic, { process, seq: seq + 1, entries: [] });
    }
  }

  #emit(topic: string, event: PresenceChange | PresenceSync): void {
    try {
      this.#listener(topic, event);
    } catch (error) {
      this.#settings.report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #keysOf(topic: string): PresenceKeys {
    return new PresenceKeys(this.#settings.prefix, topic);
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: the Redis backend was closed`);
    if (this.#lease === undefined) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: presence was not started (createTopics() starts it)`);
  }
}
