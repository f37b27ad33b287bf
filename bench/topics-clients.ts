// The client side of bench/topics.ts: many minimal WebSocket clients over raw TCP, which only
// count the frames they receive and note when each arrived, so that thousands of them cost the
// measuring process little.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { FrameCounter } from './load/raw-client.js';
import { answerRequests, now } from './topics-child.js';


/** How many clients have received at least k frames, and when the last of them did, per k. */
const reached: number[] = [];
const lastAt: number[] = [];
let clients = 0;
let waiter: { frames: number; resolve(at: number): void } | undefined;

function onFrames(before: number, after: number, at: number): void {
  for (let k = before + 1; k <= after; k++) {
    reached[k] = (reached[k] ?? 0) + 1;
    lastAt[k] = at;
  }
  if (waiter !== undefined && (reached[waiter.frames] ?? 0) === clients) {
    const { frames, resolve } = waiter;
    waiter = undefined;
    resolve(lastAt[frames]!);
  }
}

function connectOne(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const counter = new FrameCounter();
    let frames = 0;
    let head: Buffer | undefined = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return reject(new Error(head.toString()));
        chunk = head.subarray(end + 4);
        head = undefined;
      }
      const before = frames;
      frames += counter.push(chunk);
      // The first frame is the server's 'subscribed'.
      if (before === 0 && frames > 0) resolve();
      if (frames > before) onFrames(before, frames, at);
    });
  });
}

answerRequests(
  {
    async connect(args: { port: number; path: string; count: number }) {
      for (let started = 0; started < args.count; started += 500) {
        const batch = Math.min(500, args.count - started);
        await Promise.all(Array.from({ length: batch }, () => connectOne(args.port, args.path)));
        clients += batch;
      }
      return clients;
    },
    /** Resolves with the time the last client received its `frames`-th frame. */
    waitAll(args: { frames: number }) {
      if ((reached[args.frames] ?? 0) === clients) return lastAt[args.frames];
      return new Promise<number>((resolve) => (waiter = { frames: args.frames, resolve }));
    },
  },
  true,
);
