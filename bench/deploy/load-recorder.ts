// What a load process of the deploy scenario records, whatever its stack (contract.ts, "Load-generator
// process"): each client's server and resumes, deliveries into the ledger, a latency sample, refused
// handshakes; sent as a LoadTick every DEPLOY_TICK_MS. The stack's load.ts calls the methods below
// from its clients' events.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DeployMessage, GapEvent, LatencySample, LoadTick, ResumeEvent } from './contract.js';
import { Ledger } from './ledger.js';

/** Latency samples kept per tick (a uniform reservoir of that tick's deliveries). */
const SAMPLES_PER_TICK = 400;

interface ClientState {
  server: string | undefined;
  /** Set while down: the server it was on, when and how its connection ended. */
  down: { from: string; at: number; code: number } | undefined;
  attempts: number;
  attemptAt: number;
  gapSinceDown: boolean;
}

export class LoadRecorder {
  readonly ledger = new Ledger();
  readonly #load: number;
  readonly #clients = new Map<number, ClientState>();
  #subscribed = 0;
  #delivered = 0;
  #latency: LatencySample[] = [];
  #refused: Record<string, number> = {};
  #resumed: ResumeEvent[] = [];
  #gaps: GapEvent[] = [];
  #waiters: { count: number; resolve(): void }[] = [];
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(load: number) {
    this.#load = load;
    this.#loopDelay.enable();
  }

  #state(client: number): ClientState {
    let state = this.#clients.get(client);
    if (state === undefined) {
      state = { server: undefined, down: undefined, attempts: 0, attemptAt: 0, gapSinceDown: false };
      this.#clients.set(client, state);
    }
    return state;
  }

  /** The client's app received `message` now. */
  delivered(client: number, message: DeployMessage, at: number): void {
    this.ledger.receive(client, message.topic, message.seq);
    this.#delivered++;
    const sample: LatencySample = [at, at - message.at, 1];
    if (this.#latency.length < SAMPLES_PER_TICK) this.#latency.push(sample);
    else {
      const slot = Math.floor(Math.random() * this.#delivered);
      if (slot < SAMPLES_PER_TICK) this.#latency[slot] = sample;
    }
  }

  /** The client is subscribed (replayed) on `server` over its current connection. */
  subscribed(client: number, server: string, at: number, recovered = true, arrivedAt?: number): void {
    const state = this.#state(client);
    if (state.server === undefined) this.#subscribed++;
    state.server = server;
    if (state.down !== undefined) {
      const { from, at: downAt, code } = state.down;
      this.#resumed.push({ client, from, downAt, code, to: server, at, attempts: state.attempts, attemptAt: state.attemptAt, ...(arrivedAt !== undefined && { arrivedAt }), recovered: recovered && !state.gapSinceDown });
    }
    state.down = undefined;
    state.attempts = 0;
    state.gapSinceDown = false;
    this.#waiters = this.#waiters.filter((waiter) => (this.#subscribed >= waiter.count ? (waiter.resolve(), false) : true));
  }

  /** The client's connection ended (`code` as the client saw it). */
  down(client: number, code: number, at: number): void {
    const state = this.#state(client);
    if (state.server === undefined) return;
    this.#subscribed--;
    state.down = { from: state.server, at, code };
    state.server = undefined;
  }

  /** A handshake attempt of the client is starting. */
  attempt(client: number): void {
    const state = this.#state(client);
    state.attempts++;
    state.attemptAt = performance.timeOrigin + performance.now();
  }

  /** A handshake failed: its HTTP status, else the client's error code, or 'error'. */
  refused(status: number | string): void {
    this.#refused[status] = (this.#refused[status] ?? 0) + 1;
  }

  /** The client was told it lost messages of `topic` (undefined: the whole session). */
  gap(client: number, topic: string | undefined, at: number): void {
    this.ledger.gap(client, topic, at);
    this.#gaps.push({ client, topic, at });
    this.#state(client).gapSinceDown = true;
  }

  /** Resolves once `count` clients are subscribed at the same time. */
  whenSubscribed(count: number): Promise<void> {
    if (this.#subscribed >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** The tick since the previous one; resets the per-tick counts. */
  tick(at: number): LoadTick {
    const perServer: Record<string, number> = {};
    for (const state of this.#clients.values()) if (state.server !== undefined) perServer[state.server] = (perServer[state.server] ?? 0) + 1;
    const weight = this.#latency.length === 0 ? 0 : this.#delivered / this.#latency.length;
    const tick: LoadTick = {
      type: 'tick',
      load: this.#load,
      at,
      subscribed: this.#subscribed,
      perServer,
      delivered: this.#delivered,
      latency: this.#latency.map(([deliveredAt, ms]) => [deliveredAt, ms, weight]),
      refused: this.#refused,
      resumed: this.#resumed,
      gaps: this.#gaps,
      loopDelayMaxMs: this.#loopDelay.max / 1e6,
    };
    this.#loopDelay.reset();
    this.#delivered = 0;
    this.#latency = [];
    this.#refused = {};
    this.#resumed = [];
    this.#gaps = [];
    return tick;
  }

  /**
   * Starts clients first … first + count - 1 at `rate` per second (the warm-up should not itself be
   * a storm) and resolves once all of them are subscribed.
   */
  async connectPaced(first: number, count: number, rate: number, startClient: (client: number) => void): Promise<void> {
    const start = performance.timeOrigin + performance.now();
    for (let index = 0; index < count; index++) {
      const wait = start + (index * 1000) / rate - (performance.timeOrigin + performance.now());
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      startClient(first + index);
    }
    await this.whenSubscribed(count);
  }

  /** Sends a tick every DEPLOY_TICK_MS (500 by default), with what `extra` adds to each (the presence counts). */
  startTicks(extra?: () => Partial<LoadTick>): void {
    setInterval(() => process.send?.({ ...this.tick(performance.timeOrigin + performance.now()), ...extra?.() }), Number(process.env.DEPLOY_TICK_MS ?? 500)).unref();
  }
}
