// The results of one run: per metric, each server's median and its ratio to raw ws.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { BenchSettings } from './settings.js';
import type { ServerEntry } from './servers/index.js';
import { median } from './stats.js';

export interface MetricDef {
  id: string;
  label: string;
  unit: string;
  /** Which way is better; ratios are always server ÷ raw ws, so for `higher` above 1 is better. */
  better: 'lower' | 'higher';
  /** Multiplier from the stored value to the unit shown (bytes → KiB, say). */
  scale: number;
  digits: number;
}

export const METRICS: readonly MetricDef[] = [
  { id: 'cpu-text64', label: 'CPU per echo, 64 B text', unit: 'µs/msg', better: 'lower', scale: 1, digits: 2 },
  { id: 'cpu-binary16k', label: 'CPU per echo, 16 KiB binary', unit: 'µs/msg', better: 'lower', scale: 1, digits: 1 },
  { id: 'latency-p50', label: 'Latency p50', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'latency-p99', label: 'Latency p99', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'handshakes', label: 'Handshakes per second', unit: '/s', better: 'higher', scale: 1, digits: 0 },
  { id: 'handshake-cpu', label: 'CPU per handshake', unit: 'µs', better: 'lower', scale: 1, digits: 0 },
  { id: 'handshake-instructions', label: 'Instructions per handshake (callgrind)', unit: 'k', better: 'lower', scale: 1 / 1000, digits: 0 },
  { id: 'memory-rss', label: 'Memory per idle conn (RSS)', unit: 'KiB', better: 'lower', scale: 1 / 1024, digits: 2 },
  { id: 'memory-heap', label: 'Memory per idle conn (heap)', unit: 'KiB', better: 'lower', scale: 1 / 1024, digits: 2 },
  { id: 'heartbeat', label: 'Heartbeat CPU, idle conns, 30 s interval', unit: '% of a core', better: 'lower', scale: 1, digits: 4 },
  { id: 'heartbeat-loop-max', label: 'Event-loop delay during heartbeat rounds, max', unit: 'ms', better: 'lower', scale: 1, digits: 1 },
  { id: 'heartbeat-loop-p99', label: 'Event-loop delay during heartbeat rounds, p99', unit: 'ms', better: 'lower', scale: 1, digits: 1 },
  { id: 'broadcast', label: 'Broadcast to all idle conns', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-broadcast', label: 'Topic publish to all subscribers, all delivered', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-memory-p50', label: 'Topic publish → delivery, history off, p50', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'topic-memory-p99', label: 'Topic publish → delivery, history off, p99', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'topic-history-p50', label: 'Topic publish → delivery, history on, p50', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'topic-history-p99', label: 'Topic publish → delivery, history on, p99', unit: 'ms', better: 'lower', scale: 1, digits: 3 },
  { id: 'topic-replay', label: 'Topic replay of 10,000 messages to a resuming subscriber', unit: 'ms', better: 'lower', scale: 1, digits: 1 },
  { id: 'topic-redis-p50', label: 'Topic publish across processes via Redis, p50', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-redis-p99', label: 'Topic publish across processes via Redis, p99', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-redis-history-p50', label: 'Topic publish across processes via Redis, history on, p50', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-redis-history-p99', label: 'Topic publish across processes via Redis, history on, p99', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-redis-cluster-p50', label: 'Redis Cluster fan-out (3 masters, sharded pub/sub), p50', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
  { id: 'topic-redis-cluster-p99', label: 'Redis Cluster fan-out (3 masters, sharded pub/sub), p99', unit: 'ms', better: 'lower', scale: 1, digits: 2 },
];

export interface Cell {
  /** Median of the samples, in the stored unit (see `MetricDef.scale`). */
  value?: number;
  samples?: number[];
  /** value ÷ raw ws's value from the same run. */
  ratio?: number;
  /** Why the metric does not apply to this server. */
  na?: string;
}

export interface MetricRow extends MetricDef {
  cells: Record<string, Cell>;
}

export interface BenchResults {
  mode: BenchSettings['mode'];
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** 1-minute load average when the run started and ended: other work on the machine skews absolute numbers. */
  loadAverage: { start: number; end: number };
  settings: BenchSettings;
  /** How the upsocket servers load upsocket. */
  upsocketSource: string;
  /** The commit measured, with `+dirty` when src/ had uncommitted changes. */
  commit: string;
  servers: ServerEntry[];
  /** Variants of a server with a diagnostics subscriber (64 B echo CPU only); absent in results before them. */
  variants?: ServerEntry[];
  metrics: MetricRow[];
  /** Per server: figures that explain the table (throughput, idle CPU, heartbeat survivors). */
  details: Record<string, Record<string, number>>;
}

export const CONTROL = 'ws';

/** Collects samples as the run goes, then turns them into rows. */
export class Collector {
  readonly #samples = new Map<string, Map<string, number[]>>();
  readonly #na = new Map<string, string>();
  readonly details: Record<string, Record<string, number[]>> = {};

  add(metric: string, server: string, value: number): void {
    let byServer = this.#samples.get(metric);
    if (byServer === undefined) this.#samples.set(metric, (byServer = new Map()));
    let values = byServer.get(server);
    if (values === undefined) byServer.set(server, (values = []));
    values.push(value);
  }

  notApplicable(metric: string, server: string, reason: string): void {
    this.#na.set(`${metric}\u0000${server}`, reason);
  }

  detail(server: string, name: string, value: number): void {
    ((this.details[server] ??= {})[name] ??= []).push(value);
  }

  samples(metric: string, server: string): number[] {
    return this.#samples.get(metric)?.get(server) ?? [];
  }

  /** One row per metric with a cell per server; `variants` get a cell only in the rows they ran. */
  rows(servers: readonly ServerEntry[], variants: readonly ServerEntry[] = []): MetricRow[] {
    return METRICS.map((metric) => {
      const control = median(this.samples(metric.id, CONTROL));
      const cells: Record<string, Cell> = {};
      const cell = (name: string, samples: number[]): Cell => {
        const value = median(samples);
        return { value, samples, ratio: control > 0 ? value / control : Number.NaN };
      };
      for (const { name } of servers) {
        const na = this.#na.get(`${metric.id}\u0000${name}`);
        const samples = this.samples(metric.id, name);
        if (na !== undefined) cells[name] = { na };
        else if (samples.length === 0) cells[name] = { na: 'not measured (failed: see the run log)' };
        else cells[name] = cell(name, samples);
      }
      for (const { name } of variants) {
        const samples = this.samples(metric.id, name);
        if (samples.length > 0) cells[name] = cell(name, samples);
      }
      return { ...metric, cells };
    });
  }

  medianDetails(): Record<string, Record<string, number>> {
    const result: Record<string, Record<string, number>> = {};
    for (const [server, named] of Object.entries(this.details)) {
      result[server] = Object.fromEntries(Object.entries(named).map(([name, values]) => [name, median(values)]));
    }
    return result;
  }
}

export function describeMachine(): BenchResults['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function describeCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
