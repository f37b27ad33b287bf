// One stack through the deploy scenario: its own redis-server, N servers behind the balancer, the
// publisher, the load processes; warm-up, a steady window, a rolling restart (each server SIGTERM'd,
// drained, replaced on its port once it exited, the next only once every client of the previous one
// resumed), a SIGKILL and restart, a final steady window, a quiesce, then the ledger. Everything
// the processes report is kept in a `StackRecord` (summary.ts reads it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, RedisServer } from '../../test/helpers/redis-server.js';
import { Child } from '../ipc.js';
import { buildPrograms } from './build.js';
import { startBalancer, type BalancerName } from './balancer.js';
import { mergePresenceLedgers } from './presence-flaps.js';
import { stackPrograms, type LoadLedger, type LoadTick, type PresenceLedger, type PublisherMark, type ResumeEvent, type ServerReady, type ServerTick, type StackName } from './contract.js';

export interface ScenarioSettings {
  clients: number;
  servers: number;
  balancer: BalancerName;
  phases: ('rolling' | 'crash')[];
  topics: number;
  topicsPerClient: number;
  rate: number;
  history: number;
  clientsPerLoad: number;
  connectRate: number;
  steadyMs: number;
  quiesceMs: number;
  /** How long to wait for every client of a signalled server to be back. */
  resumeTimeoutMs: number;
  tickMs: number;
  /** The servers' listen backlog; undefined: Node's default (511). */
  backlog?: number | undefined;
  /** upsocket's `close({ spread })` on SIGTERM, ms; undefined: its default (6 ms per connection, at most 10 s). */
  spread?: number | undefined;
  /**
   * --presence (upsocket only): every connection tracked as one of two tabs of `members` members
   * (contract.ts, "Presence"), with the presence `grace` given (undefined: its default, 5 s). The
   * crash phase then lasts until the dead process's lease lapsed and was swept (`lease` × 1.2 + 2 s
   * after the SIGKILL; the Redis backend's default lease, 10 s), so its leaves fall in it.
   */
  presence?: { members: number; grace?: number | undefined } | undefined;
}

/** The Redis backend's default `presenceLease` (docs/presence.md), which the servers keep. */
const presenceLeaseMs = 10_000;

export interface SignalRecord {
  phase: string;
  server: string;
  signal: 'SIGTERM' | 'SIGKILL';
  at: number;
  /** Clients on that server when it was signalled. */
  clients: number;
  exitedAt: number;
  replacedAt: number;
  /** Each of its clients' time from the signal until it was subscribed again, ms. */
  resumeMs: number[];
  /** Of that, each one's time from the signal until its last attempt started (down, backing off, refused): the rest is that attempt's handshake and replay. */
  waitMs: number[];
  /** Of that, each one's time from the signal until its upgrade reached the server's app, where the server says (upsocket). */
  arrivedMs?: number[];
}

export interface PhaseRecord {
  name: string;
  startAt: number;
  endAt: number;
  mark: PublisherMark;
}

export interface StackRecord {
  stack: StackName;
  startedAt: number;
  phases: PhaseRecord[];
  signals: SignalRecord[];
  serverTicks: (ServerTick & { pid: number })[];
  loadTicks: LoadTick[];
  /** Server pid → when it was signalled (not a survivor from then on). */
  leaving: Record<number, number>;
  ledger: LoadLedger;
  notes: string[];
  /** Undefined when the balancer's log is not collected (HAProxy). */
  balancerLog: string | undefined;
  /** With --presence: the flaps the loads counted. */
  presence?: PresenceLedger;
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the stack's three programs exist (the socket.io side may not be written yet). */
export function stackAvailable(stack: StackName): boolean {
  return Object.values(stackPrograms(stack)).every((path) => existsSync(fileURLToPath(new URL(`../${path}`, import.meta.url))));
}

/**
 * Runs `stack` through the scenario. `onCleanup` is given what stops every process started (the
 * test's `onCleanup`, so a test that times out leaves nothing running); the run stops them itself
 * when it ends.
 */
export async function runStack(stack: StackName, settings: ScenarioSettings, log: (line: string) => void, onCleanup?: (stop: () => Promise<void>) => void): Promise<StackRecord> {
  const programs = await buildPrograms(stackPrograms(stack), `${stack}-${process.pid}`);
  const record: StackRecord = { stack, startedAt: now(), phases: [], signals: [], serverTicks: [], loadTicks: [], leaving: {}, ledger: { phases: {} }, notes: [], balancerLog: '' };
  // socket.io has no presence to compare with: the flag is upsocket's.
  const presence = stack === 'upsocket' ? settings.presence : undefined;
  if (settings.presence !== undefined && presence === undefined) record.notes.push('--presence ignored: socket.io has no comparable presence');
  const redis = await RedisServer.launch();
  const common = { REDIS_URL: redis.url, DEPLOY_TOPICS: String(settings.topics), DEPLOY_HISTORY: String(settings.history), DEPLOY_TICK_MS: String(settings.tickMs) };
  const ports = await Promise.all(Array.from({ length: settings.servers }, () => freePort()));
  const servers = new Map<string, Child>();
  const children: Child[] = [];
  let publisher: Child | undefined;
  let balancer: Awaited<ReturnType<typeof startBalancer>> | undefined;
  const loads: Child[] = [];
  let stopped: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopped ??= (async () => {
      record.balancerLog = balancer?.errorLog();
      await Promise.all(children.map((child) => child.stop(3000).catch(() => undefined)));
      await balancer?.stop();
      await redis.stop();
    })());
  onCleanup?.(stopAll);

  const startServer = async (index: number): Promise<Child> => {
    const id = `s${index + 1}`;
    const child = new Child(programs.server, [], {
      env: { ...common, DEPLOY_PORT: String(ports[index]), DEPLOY_SERVER: id, ...(settings.backlog !== undefined && { DEPLOY_BACKLOG: String(settings.backlog) }), ...(settings.spread !== undefined && { DEPLOY_SPREAD: String(settings.spread) }),
        ...(presence !== undefined && { DEPLOY_PRESENCE_MEMBERS: String(presence.members), ...(presence.grace !== undefined && { DEPLOY_PRESENCE_GRACE: String(presence.grace) }) }),
      },
      fileLimit: settings.clients + 2048,
    });
    children.push(child);
    child.process.on('message', (message: ServerTick) => {
      if (message.type === 'tick') record.serverTicks.push({ ...message, pid: child.process.pid! });
    });
    await child.ready;
    servers.set(id, child);
    return child;
  };

  try {
    await Promise.all(ports.map((_, index) => startServer(index)));
    balancer = await startBalancer(settings.balancer, ports);
    record.notes.push(...balancer.notes);
    publisher = new Child(programs.publisher, [], { env: { ...common, DEPLOY_RATE: String(settings.rate) } });
    children.push(publisher);
    await publisher.ready;

    const loadCount = Math.ceil(settings.clients / settings.clientsPerLoad);
    for (let index = 0; index < loadCount; index++) {
      const first = index * settings.clientsPerLoad;
      const count = Math.min(settings.clientsPerLoad, settings.clients - first);
      const address = `127.0.0.${2 + index}`;
      const load = new Child(programs.load, [], {
        env: {
          ...common,
          DEPLOY_URL: `http://${address}:${balancer.port}`,
          DEPLOY_LOCAL_ADDRESS: address,
          DEPLOY_CLIENTS: String(count),
          DEPLOY_FIRST_CLIENT: String(first),
          DEPLOY_TOPICS_PER_CLIENT: String(settings.topicsPerClient),
          DEPLOY_CONNECT_RATE: String(Math.max(1, Math.round(settings.connectRate / loadCount))),
          ...(presence !== undefined && { DEPLOY_PRESENCE_MEMBERS: String(presence.members) }),
        },
        fileLimit: count + 1024,
      });
      load.process.on('message', (message: LoadTick) => {
        if (message.type === 'tick') record.loadTicks.push(message);
      });
      loads.push(load);
      children.push(load);
    }
    await Promise.all(loads.map((load) => load.ready));

    // Publishing runs from before the first client, so every client's first seq is mid-stream.
    await publisher.request('start');
    let phaseStart = now();
    const endPhase = async (name: string): Promise<void> => {
      const mark = await publisher!.request<PublisherMark>('mark');
      record.phases.push({ name, startAt: phaseStart, endAt: mark.at, mark });
      log(`${stack}: ${name} done (${((mark.at - phaseStart) / 1000).toFixed(1)} s, ${mark.published} published so far)`);
      phaseStart = mark.at;
    };

    await Promise.all(loads.map((load) => load.request('connect')));
    await endPhase('warm-up');
    await sleep(settings.steadyMs);
    await endPhase('steady');

    /** Clients on `server` now, by the loads' latest ticks. */
    const clientsOn = (server: string): number => {
      const latest = new Map<number, LoadTick>();
      for (const tick of record.loadTicks) latest.set(tick.load, tick);
      return [...latest.values()].reduce((sum, tick) => sum + (tick.perServer[server] ?? 0), 0);
    };
    const resumesOf = (server: string, since: number): ResumeEvent[] => {
      const seen = new Map<number, ResumeEvent>();
      for (const tick of record.loadTicks) {
        for (const event of tick.resumed) if (event.from === server && event.downAt >= since && !seen.has(event.client)) seen.set(event.client, event);
      }
      return [...seen.values()];
    };
    const restart = async (phase: string, index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      const id = `s${index + 1}`;
      const child = servers.get(id)!;
      await sleep(settings.tickMs * 2);
      const clients = clientsOn(id);
      const at = now();
      record.leaving[child.process.pid!] = at;
      child.process.kill(signal);
      await child.exited;
      const exitedAt = now();
      let replacedAt = 0;
      // Its clients come back on the others meanwhile; the next signal waits for both.
      const replaced = startServer(index).then(() => (replacedAt = now()));
      const deadline = exitedAt + settings.resumeTimeoutMs;
      while (resumesOf(id, at).length < clients && now() < deadline) await sleep(100);
      const resumes = resumesOf(id, at);
      const resumeMs = resumes.map((event) => event.at - at);
      const waitMs = resumes.map((event) => event.attemptAt - at);
      const arrivedMs = resumes.every((event) => event.arrivedAt !== undefined) ? resumes.map((event) => event.arrivedAt! - at) : undefined;
      await replaced;
      // The dead process's members are listed until its lease lapses and a survivor sweeps it.
      if (presence !== undefined && signal === 'SIGKILL') await sleep(at + presenceLeaseMs * 1.2 + 2000 - now());
      record.signals.push({ phase, server: id, signal, at, clients, exitedAt, replacedAt, resumeMs, waitMs, ...(arrivedMs !== undefined && { arrivedMs }) });
      log(`${stack}: ${signal} ${id}: ${resumeMs.length}/${clients} resumed, max ${Math.max(0, ...resumeMs).toFixed(0)} ms; exited after ${(exitedAt - at).toFixed(0)} ms`);
    };

    for (const phase of settings.phases) {
      if (phase === 'rolling') for (let index = 0; index < settings.servers; index++) await restart('rolling', index, 'SIGTERM');
      else await restart('crash', 0, 'SIGKILL');
      await endPhase(phase);
    }
    await sleep(settings.steadyMs);
    await endPhase('final');
    const final = await publisher.request<PublisherMark>('stop');
    await sleep(settings.quiesceMs);
    record.phases.at(-1)!.mark = final;
    const request = { phases: record.phases.map((phase) => ({ name: phase.name, lastSeqs: phase.mark.seqs, endAt: phase.endAt })) };
    // The final phase holds everything published until the publisher stopped, and every gap told after.
    request.phases.at(-1)!.endAt = now() + 3_600_000;
    const ledgers = await Promise.all(loads.map((load) => load.request<LoadLedger>('ledger', request)));
    record.ledger = mergeLedgers(ledgers);
    if (presence !== undefined) record.presence = mergePresenceLedgers(await Promise.all(loads.map((load) => load.request<PresenceLedger>('presence', request))));
  } finally {
    await stopAll();
  }
  return record;
}

function mergeLedgers(ledgers: LoadLedger[]): LoadLedger {
  const merged: LoadLedger = { phases: {} };
  for (const ledger of ledgers) {
    for (const [name, phase] of Object.entries(ledger.phases)) {
      const into = (merged.phases[name] ??= { expected: 0, received: 0, lost: 0, lostInGaps: 0, duplicated: 0, outOfOrder: 0, gaps: 0 });
      for (const key of Object.keys(phase) as (keyof typeof phase)[]) into[key] += phase[key];
    }
  }
  return merged;
}
