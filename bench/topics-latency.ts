// Shared by the latency measurements of bench/topics.ts and bench/topics-history.ts: publishing
// timestamped messages at a steady rate, and WebSocket clients that note each one's latency.
import WebSocket from 'ws';
import { now } from './topics-child.js';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Publishes `"<i> <now()>"` `messages` times, `rate` per second (the receiver subtracts the stamp). */
export async function publishAtRate(publish: (text: string) => Promise<unknown>, messages: number, rate: number): Promise<void> {
  const start = now();
  for (let i = 0; i < messages; i++) {
    const wait = start + (i * 1000) / rate - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    await publish(`${i} ${now()}`);
  }
}

/** `count` clients on ws://127.0.0.1:<port><path>, each subscribed (the server said so) before this resolves. */
export async function latencyClients(port: number, path: string, count: number): Promise<{ clients: WebSocket[]; latencies: number[] }> {
  const clients: WebSocket[] = [];
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      clients.push(ws);
      // The server says 'subscribed' once the subscription is live (with Redis: confirmed).
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve());
        ws.once('error', reject);
      });
      ws.on('message', (data: Buffer) => latencies.push(now() - Number(data.toString().split(' ')[1])));
    }),
  );
  return { clients, latencies };
}

/** Waits (at most 10 s) until `expected` latencies are in; p50 and p99 of what arrived. */
export async function collected(latencies: number[], expected: number): Promise<{ deliveries: number; p50Ms: number; p99Ms: number }> {
  const deadline = Date.now() + 10_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return { deliveries: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
