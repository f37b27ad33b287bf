import type { Connection } from '../connection/connection.js';
import { countDraining, debugDrain } from './publish.js';

/**
 * ms of `close()`'s default `spread` per open connection: close frames go out at about 170 a
 * second, about what two surviving instances absorbed (handshake and resume each) with little
 * queueing on the deploy bench's 2-core machine while also delivering 20,000 messages a second (bench/README.md,
 * "Deploy scenario"). At 0.5 ms (2,000 a second) the returning clients waited up to 4 s in the
 * survivors' accept queues and delivery p99 during a rolling restart was 4.4 s; at 4 ms, 2.0–3.1 s;
 * at 6 ms, 0.5–1.1 s, with every client moved within the spread + 1.7 s.
 */
export const spreadPerConnection = 6;

/**
 * The default `spread` never exceeds this (ms): past ~1,700 connections a drain goes faster than
 * 170 a second rather than keeping a deploy waiting, and the spread plus `close()`'s `timeout`
 * (10 s) stays inside common grace periods (Kubernetes: 30 s).
 */
export const maxDefaultSpread = 10_000;

/** About this many ms between two batches of close frames: fine enough to look continuous to the survivors. */
const batchInterval = 10;

/** `close()`'s default `spread` for `connections` open connections, in ms. */
export function defaultSpread(connections: number): number {
  return Math.min(maxDefaultSpread, Math.round(connections * spreadPerConnection));
}

/**
 * @internal Sends a close frame with `code` and `reason` to each of `connections`: in one tick
 * when `spread` is 0, else in random order, in batches due evenly from now until `spread` ms from
 * now (a batch every ~10 ms; batches a busy event loop made late go out together). Resolves once
 * every frame was sent. Random, so that no group of clients (the oldest, one room's) is always
 * first or last to move.
 */
export function sendCloses(connections: Iterable<Connection>, code: number, reason: string, spread: number): Promise<void> {
  const queue = [...connections];
  const total = queue.length;
  if (spread === 0 || total <= 1) {
    for (const connection of queue) void connection.close(code, reason);
    return Promise.resolve();
  }
  shuffle(queue);
  debugDrain(`sending ${total} close frames (${code}) over ${spread} ms`);
  countDraining(total);
  const batches = Math.min(total, Math.floor(spread / batchInterval) + 1);
  const started = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const sendDue = (): void => {
      // Batch j (0 … batches-1) is due at j/(batches-1) of the spread: how many are due by now.
      const elapsed = performance.now() - started;
      const due = batches === 1 ? batches : Math.min(batches, Math.floor((elapsed / spread) * (batches - 1)) + 1);
      const upTo = Math.min(total, Math.ceil((due * total) / batches));
      countDraining(sent - upTo);
      for (; sent < upTo; sent++) void queue[sent]!.close(code, reason);
      if (sent < total) {
        setTimeout(sendDue, Math.max(1, started + (due * spread) / (batches - 1) - performance.now()));
        return;
      }
      debugDrain(`sent ${total} close frames in ${Math.round(performance.now() - started)} ms`);
      resolve();
    };
    sendDue();
  });
}

/** Fisher–Yates, in place. */
function shuffle<Item>(items: Item[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
