// Runs the whole suite: servers alternate within every sampling round, so drift on a noisy
// machine spreads over all of them instead of landing on whichever ran last.
import os from 'node:os';
import type { Child } from './ipc.js';
import type { PayloadKind } from './load/payload.js';
import { sampleEchoCpu } from './measure/echo-cpu.js';
import { sampleHandshakes } from './measure/handshakes.js';
import { countHandshakeInstructions, instructionCountUnavailable } from './measure/instructions.js';
import { sampleHeartbeat, sampleIdle } from './measure/idle.js';
import { sampleLatency } from './measure/latency.js';
import { startLoadGenerator, startServer, type RunningServer } from './processes.js';
import { Collector, describeCommit, describeMachine, type BenchResults } from './results.js';
import { runTopicsPhase } from './topics-phase.js';
import { NO_HEARTBEAT_REASON, SERVERS, type ServerEntry } from './servers/index.js';
import { DEFAULT_HEARTBEAT_MS, type BenchSettings } from './settings.js';
import { median, rotate } from './stats.js';

export interface RunOptions {
  settings: BenchSettings;
  /** Only these servers (by name); raw ws is always added, as every ratio needs it. */
  only?: string[];
  log?: (line: string) => void;
}

export const UPSOCKET_SOURCE = 'src/ via tsx (tsconfig paths map upsocket/* to src/), no build step';

type Phase = (server: RunningServer, round: number) => Promise<void>;

/** Runs `phase` for each server, `samples` rounds, each round starting at a different server. */
async function alternate(label: string, servers: RunningServer[], samples: number, phase: Phase, log: (line: string) => void): Promise<void> {
  for (let round = 0; round < samples; round++) {
    for (const server of rotate(servers, round)) {
      try {
        await phase(server, round);
      } catch (error) {
        log(`  ${label} ${server.entry.name}: FAILED ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function fmt(value: number, digits = 2): string {
  return value.toFixed(digits);
}

async function runLoadPhases(servers: RunningServer[], load: Child, settings: BenchSettings, collect: Collector, log: (line: string) => void): Promise<void> {
  // Variants (a diagnostics subscriber attached) run the 64 B echo only, in the same rounds as their base.
  const main = servers.filter(({ entry }) => entry.variantOf === undefined);
  for (const payload of ['text64', 'binary16k'] as PayloadKind[]) {
    const measured = payload === 'text64' ? servers : main;
    await alternate(`cpu ${payload}`, measured, settings.echo.samples, async (server, round) => {
      const sample = await sampleEchoCpu(server, load, payload, settings.echo);
      collect.add(`cpu-${payload}`, server.entry.name, sample.cpuPerMessage);
      collect.detail(server.entry.name, `messagesPerSecond-${payload}`, sample.messagesPerSecond);
      collect.detail(server.entry.name, `userCpuPerMessage-${payload}`, sample.userCpuPerMessage);
      log(`  cpu ${payload} [${round + 1}] ${server.entry.name}: ${fmt(sample.cpuPerMessage)} µs/msg (user ${fmt(sample.userCpuPerMessage)}) at ${Math.round(sample.messagesPerSecond)} msg/s`);
    }, log);
  }
  await alternate('latency', main, settings.latency.samples, async (server, round) => {
    const sample = await sampleLatency(server, load, settings.latency);
    collect.add('latency-p50', server.entry.name, sample.p50);
    collect.add('latency-p99', server.entry.name, sample.p99);
    log(`  latency [${round + 1}] ${server.entry.name}: p50 ${fmt(sample.p50, 3)} ms, p99 ${fmt(sample.p99, 3)} ms`);
  }, log);
  await alternate('handshakes', main, settings.handshakes.samples, async (server, round) => {
    const sample = await sampleHandshakes(server, load, settings.handshakes);
    collect.add('handshakes', server.entry.name, sample.perSecond);
    collect.add('handshake-cpu', server.entry.name, sample.cpuPerHandshake);
    log(`  handshakes [${round + 1}] ${server.entry.name}: ${Math.round(sample.perSecond)}/s, ${Math.round(sample.cpuPerHandshake)} µs CPU each`);
  }, log);
}

/** A server for one idle phase: a fresh process, or (quick mode) the one already running. */
async function withIdleServer(
  entry: ServerEntry,
  heartbeat: number | false,
  running: RunningServer | undefined,
  settings: BenchSettings,
  use: (server: RunningServer) => Promise<void>,
): Promise<void> {
  const server = running ?? (await startServer(entry, { heartbeat, connections: settings.idle.connections }));
  try {
    await use(server);
  } finally {
    if (running === undefined) await server.child.stop();
  }
}

async function runIdlePhases(servers: RunningServer[], load: Child, settings: BenchSettings, collect: Collector, log: (line: string) => void): Promise<void> {
  const { idle } = settings;
  const reuse = !idle.freshProcess;
  // Quick mode starts the heartbeat servers now, side by side, instead of one at a time later.
  const heartbeatServers = reuse
    ? await Promise.all(servers.filter(({ entry }) => entry.heartbeat !== null).map(({ entry }) => startServer(entry, { heartbeat: idle.heartbeatMs, connections: idle.connections })))
    : undefined;
  await alternate('idle', servers, idle.samples, async ({ entry, ...rest }, round) => {
    await withIdleServer(entry, false, reuse ? { entry, ...rest } : undefined, settings, async (server) => {
      const sample = await sampleIdle(server, load, idle);
      collect.add('memory-rss', entry.name, sample.rssPerConnection);
      collect.add('memory-heap', entry.name, sample.heapPerConnection);
      collect.add('broadcast', entry.name, sample.broadcastMs);
      collect.detail(entry.name, 'idleCpuMicrosPerSecond-heartbeatOff', sample.idleCpuPerSecond);
      log(
        `  idle [${round + 1}] ${entry.name}: ${fmt(sample.rssPerConnection / 1024)} KiB RSS, ${fmt(sample.heapPerConnection / 1024)} KiB heap per conn; ` +
          `broadcast ${fmt(sample.broadcastMs)} ms; idle CPU ${Math.round(sample.idleCpuPerSecond)} µs/s`,
      );
    });
  }, log);
  const withHeartbeat = heartbeatServers ?? servers.filter(({ entry }) => entry.heartbeat !== null);
  await alternate('heartbeat', withHeartbeat, idle.samples, async ({ entry, ...rest }, round) => {
    await withIdleServer(entry, idle.heartbeatMs, reuse ? { entry, ...rest } : undefined, settings, async (server) => {
      const sample = await sampleHeartbeat(server, load, idle);
      collect.detail(entry.name, `idleCpuMicrosPerSecond-heartbeat${idle.heartbeatMs}ms`, sample.idleCpuPerSecond);
      collect.detail(entry.name, 'heartbeatSurvivors', sample.survivors);
      collect.detail(entry.name, 'heapPerConnection-heartbeatOn', sample.heapPerConnection);
      collect.add('heartbeat-loop-max', entry.name, sample.loopDelay.maxMs);
      collect.add('heartbeat-loop-p99', entry.name, sample.loopDelay.p99Ms);
      log(
        `  heartbeat ${idle.heartbeatMs} ms [${round + 1}] ${entry.name}: idle CPU ${Math.round(sample.idleCpuPerSecond)} µs/s, ${sample.survivors} survived; ` +
          `event-loop delay max ${fmt(sample.loopDelay.maxMs, 1)} ms, p99 ${fmt(sample.loopDelay.p99Ms, 1)} ms`,
      );
    });
  }, log);
  for (const { entry } of servers) {
    if (entry.heartbeat === null) {
      for (const metric of ['heartbeat', 'heartbeat-loop-max', 'heartbeat-loop-p99']) collect.notApplicable(metric, entry.name, NO_HEARTBEAT_REASON);
      continue;
    }
    const details = collect.details[entry.name] ?? {};
    const on = median(details[`idleCpuMicrosPerSecond-heartbeat${idle.heartbeatMs}ms`] ?? []);
    const off = median(details['idleCpuMicrosPerSecond-heartbeatOff'] ?? []);
    if (Number.isNaN(on) || Number.isNaN(off)) continue;
    // µs of CPU per second at the short interval → share of one core → scaled to the 30 s default.
    const percentOfCore = (Math.max(0, on - off) / 1e6) * (idle.heartbeatMs / DEFAULT_HEARTBEAT_MS) * 100;
    collect.add('heartbeat', entry.name, percentOfCore);
  }
  await Promise.all((heartbeatServers ?? []).map((server) => server.child.stop()));
}

/**
 * Instructions per handshake under callgrind, each server in a process of its own, two at a time
 * (the count does not depend on what else runs). Without valgrind the row says so for each server.
 */
async function runInstructionPhase(entries: ServerEntry[], settings: BenchSettings, collect: Collector, log: (line: string) => void): Promise<void> {
  const unavailable = instructionCountUnavailable();
  if (unavailable !== undefined) {
    log(`  instructions: skipped, ${unavailable}`);
    for (const entry of entries) collect.notApplicable('handshake-instructions', entry.name, unavailable);
    return;
  }
  const queue = [...entries];
  const worker = async (): Promise<void> => {
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
      try {
        const perHandshake = await countHandshakeInstructions(entry, settings.instructions);
        collect.add('handshake-instructions', entry.name, perHandshake);
        log(`  instructions ${entry.name}: ${Math.round(perHandshake / 1000)}k per handshake`);
      } catch (error) {
        const reason = `failed: ${error instanceof Error ? error.message : String(error)}`;
        collect.notApplicable('handshake-instructions', entry.name, reason);
        log(`  instructions ${entry.name}: FAILED ${reason}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

/** Runs every phase against every server and returns the results; never throws for one server. */
export async function runBench(options: RunOptions): Promise<BenchResults> {
  const { settings } = options;
  const began = performance.now();
  const write = options.log ?? ((line: string) => console.error(line));
  const log = (line: string): void => write(`${((performance.now() - began) / 1000).toFixed(1).padStart(6)}s ${line}`);
  const wanted = (name: string | undefined): boolean => name !== undefined && (options.only === undefined || name === 'ws' || options.only.includes(name));
  // A variant runs with its base server (or when named itself).
  const all = SERVERS.filter((entry) => wanted(entry.name) || wanted(entry.variantOf));
  const entries = all.filter((entry) => entry.variantOf === undefined);
  const variants = all.filter((entry) => entry.variantOf !== undefined && entries.some((base) => base.name === entry.variantOf));
  const startedAt = new Date();
  const commit = describeCommit();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const collect = new Collector();
  log(`upsocket bench (${settings.mode}): ${entries.length} servers (+${variants.length} observability variants), ${settings.idle.connections} idle connections`);
  const load = await startLoadGenerator(settings.idle.connections);
  const servers = await Promise.all([...entries, ...variants].map((entry) => startServer(entry, { heartbeat: false, connections: settings.idle.connections })));
  try {
    await runLoadPhases(servers, load, settings, collect, log);
    // The variants are done: stop them so they do not load the machine during the idle phases.
    await Promise.all(servers.filter(({ entry }) => entry.variantOf !== undefined).map((server) => server.child.stop()));
    await runIdlePhases(servers.filter(({ entry }) => entry.variantOf === undefined), load, settings, collect, log);
  } finally {
    await Promise.all(servers.map((server) => server.child.stop()));
    await load.stop();
  }
  await runTopicsPhase(entries, settings, collect, log);
  await runInstructionPhase(entries, settings, collect, log);
  return {
    mode: settings.mode,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: describeMachine(),
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
    settings,
    upsocketSource: UPSOCKET_SOURCE,
    commit,
    servers: entries,
    variants,
    metrics: collect.rows(entries, variants),
    details: collect.medianDetails(),
  };
}
