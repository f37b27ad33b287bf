// Metric 2: round-trip latency at a fixed, moderate rate, seen by the load generator.
import type { Child } from '../ipc.js';
import type { LatencyResult } from '../load/latency.js';
import type { RunningServer } from '../processes.js';
import type { BenchSettings } from '../settings.js';

export async function sampleLatency(server: RunningServer, load: Child, settings: BenchSettings['latency']): Promise<LatencyResult> {
  const result = await load.request<LatencyResult>('latency', { port: server.port, kind: server.entry.client, ...settings });
  if (result.samples === 0) throw new Error(`${server.entry.name}: no echo came back in the latency run`);
  return result;
}
