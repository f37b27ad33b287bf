// Open-loop latency at a fixed rate: a 1 ms timer sends whatever the schedule says is due,
// round-robin over the connections; each echo's round trip is recorded after the warm-up.
import { connect, connectMany, type BenchClient, type ClientKind } from './client.js';
import { makePayload } from './payload.js';

export interface LatencyArgs {
  port: number;
  kind: ClientKind;
  connections: number;
  /** Messages per second over all connections. */
  rate: number;
  warmupMs: number;
  durationMs: number;
}

export interface LatencyResult {
  p50: number;
  p99: number;
  samples: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function measureLatency(args: LatencyArgs): Promise<LatencyResult> {
  const payload = makePayload('text64');
  const sentAt: number[][] = [];
  const rtts: number[] = [];
  let recording = false;
  const clients: BenchClient[] = await connectMany(args.connections, 16, (index) => {
    const queue: number[] = (sentAt[index] = []);
    return connect({
      kind: args.kind,
      port: args.port,
      onMessage: () => {
        const sent = queue.shift();
        if (recording && sent !== undefined) rtts.push(performance.now() - sent);
      },
    });
  });
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const elapsed = now - start;
      if (elapsed >= args.warmupMs) recording = true;
      if (elapsed >= args.warmupMs + args.durationMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((elapsed * args.rate) / 1000);
      for (; sent < due; sent++) {
        const index = sent % clients.length;
        sentAt[index]!.push(now);
        clients[index]!.send(payload);
      }
    }, 1);
  });
  recording = false;
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => client.closed));
  const sorted = Float64Array.from(rtts).sort();
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
}
