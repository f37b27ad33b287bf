import { UpsocketError } from '../../core/index.js';
import { applyOwnChange, type PresenceBackend, type PresenceChange, type PresenceEntry, type PresenceListener, type PresenceSync } from '../presence-backend.js';
import { PresenceCommands, seqOf, type StoredHeld, type StoredProcess } from './presence-commands.js';
import { addHeld } from './presence-held.js';
import { LeaseKeys, PresenceKeys } from './presence-keys.js';
import { PresenceLease } from './presence-lease.js';
import { PresenceListening, type ListeningSettings } from './presence-listening.js';
import { liveProcesses, sweepLapsed } from './presence-sweep.js';
import { noop, type RedisLink } from './redis-link.js';

/** What the Redis backend hands its presence (`lease`: a process that stops renewing it is swept within lease + lease / 5). */
export interface RedisPresenceSettings extends ListeningSettings {
  prefix: string;
  /** Resolves once the publishing connection is ready; rejects after the backend's timeout. */
  publisherReady(): Promise<void>;
}

/**
 * @internal Presence across processes through Redis (docs/presence.md, "Redis"): each
 * process's entries of a topic in a hash of their own, changed and published by one script each
 * (presence-scripts.ts), under the process's liveness lease (presence-lease.ts); every process
 * sweeps the lapsed leases of the others. While Redis is unreachable the process keeps applying
 * its own changes here and writes each topic it changed whole once Redis takes it again. What the
 * other processes publish is heard by its `PresenceListening` (presence-listening.ts).
 */
export class RedisPresence implements PresenceBackend {
  readonly #link: RedisLink;
  readonly #settings: RedisPresenceSettings;
  readonly #commands: PresenceCommands;
  readonly #leaseKeys: LeaseKeys;
  #lease: PresenceLease | undefined;
  readonly #listening: PresenceListening;
  #process = '';
  /** The last seq this process published (its changes number across all topics). */
  #seq = 0;
  /** This process's entries per topic: what it writes whole after an outage or a new generation. */
  readonly #own = new Map<string, Map<string, PresenceEntry>>();
  /** Topics whose changes Redis may have missed: written whole (a sync) before the next change. */
  readonly #dirty = new Set<string>();
  /** The seq of each topic's last whole write (a sync): a change it covered is not sent again. */
  readonly #wholeAt = new Map<string, number>();
  /** Topics recorded in this generation's topics set. */
  readonly #recorded = new Set<string>();
  #renewal: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(link: RedisLink, settings: RedisPresenceSettings) {
    this.#link = link;
    this.#settings = settings;
    this.#commands = new PresenceCommands(link);
    this.#leaseKeys = new LeaseKeys(settings.prefix);
    this.#listening = new PresenceListening(link, settings, (topic) => this.state(topic));
  }

  start(process: string, listener: PresenceListener): void {
    this.#process = process;
    this.#listening.start(process, listener);
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
    return this.#listening.listen(topic, this.#keysOf(topic));
  }

  unlisten(topic: string): Promise<void> {
    return this.#listening.unlisten(topic);
  }

  async state(topic: string): Promise<PresenceSync[]> {
    this.#assertOpen('read presence');
    this.#run();
    let stored: StoredProcess[];
    let held: StoredHeld[];
    try {
      await this.#settings.publisherReady();
      const read = await this.#commands.state(this.#keysOf(topic));
      held = read.held;
      stored = await liveProcesses(this.#lease!, this.#commands, this.#keysOf(topic), this.#process, read.processes);
    } catch (error) {
      this.#listening.markStale(topic);
      throw this.#settings.unavailable(`Cannot read the presence of topic "${topic}"`, error, 'Nothing was read.');
    }
    const syncs: PresenceSync[] = stored.filter(({ process }) => process !== this.#process).map(({ process, seq, entries }) => ({ process, seq, entries }));
    // Held leaves are under no lease (their process closed): their deadline ends them, not a sweep.
    addHeld(syncs, held, this.#process);
    const known = this.#listening.knownIn(topic);
    for (const { process, seq } of syncs) known?.set(process, seq);
    const own = this.#own.get(topic);
    if (own !== undefined) syncs.push({ process: this.#process, seq: seqOf(this.#lease!.generation, this.#seq), entries: [...own.values()] });
    return syncs;
  }

  /** A message on a subscribed channel: true when it was presence's (then handled). */
  onMessage(channel: string, data: Buffer): boolean {
    return this.#listening.onMessage(channel, data);
  }

  /** The subscriber connection is back (or a cluster shard's): see `PresenceListening.resubscribe()`. */
  resubscribe(): void {
    this.#listening.resubscribe();
  }

  /** The publishing connection is back: renew the lease (or register again) and write what Redis may have missed. */
  publisherReady(): void {
    if (this.#timers.length > 0 && !this.#closed) this.#renew().catch(noop);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listening.close();
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
        this.#listening.resyncStale();
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

  #keysOf(topic: string): PresenceKeys {
    return new PresenceKeys(this.#settings.prefix, topic);
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: the Redis backend was closed`);
    if (this.#lease === undefined) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: presence was not started (createTopics() starts it)`);
  }
}
