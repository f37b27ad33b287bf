import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the harness configures a server: the heartbeat interval in ms, or false for none. */
export interface ServerConfig {
  heartbeat: number | false;
}

/** One benchmarked server, running in its own process with an echo endpoint at `/echo`. */
export interface BenchServer {
  port: number;
  /** Open WebSocket connections, as the library itself counts them. */
  connections(): number;
  /** Sends `text` to every open connection, the way the library's users would. */
  broadcast(text: string): void;
  /** Connections whose socket still holds unsent bytes. */
  pending(): number;
}

export type StartServer = (config: ServerConfig) => Promise<BenchServer>;

/** Path of the echo endpoint on every server. */
export const ECHO_PATH = '/echo';

/** Listens on a free loopback port; every server in the suite listens the same way. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  return (server.address() as AddressInfo).port;
}

/** Counts sockets with unsent bytes; `bufferedAmount` is what ws and upsocket expose for it. */
export function countPending(sockets: Iterable<{ bufferedAmount: number }>): number {
  let pending = 0;
  for (const socket of sockets) if (socket.bufferedAmount > 0) pending++;
  return pending;
}

/** What the server process answers the harness. */
export interface CpuSample {
  /** User + system CPU time of this process, in µs. */
  cpu: number;
  /** The user part alone: JavaScript and libuv, without the kernel's share of the syscalls. */
  user: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Event-loop delay (perf_hooks.monitorEventLoopDelay at 1 ms resolution) over a window, in ms. */
export interface LoopDelaySample {
  maxMs: number;
  p99Ms: number;
}

export interface BroadcastSample {
  /** From the first send to the end of the tick the writes were flushed in, in ms. */
  ms: number;
  recipients: number;
  /** Connections still holding unsent bytes after that tick (the ms then include the wait). */
  pendingAfterFlush: number;
}
