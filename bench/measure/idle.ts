// Metrics 4 to 6 on many idle connections: memory per connection, idle CPU with and without the
// heartbeat, and a broadcast of one message to every connection timed inside the server.
import type { Child } from '../ipc.js';
import type { RunningServer } from '../processes.js';
import type { BroadcastSample, LoopDelaySample, MemorySample } from '../servers/contract.js';
import type { BenchSettings } from '../settings.js';
import { median, sleep, waitFor } from '../stats.js';

export interface IdleSample {
  connections: number;
  rssPerConnection: number;
  heapPerConnection: number;
  broadcastMs: number;
  /** Server CPU µs per second of wall time while the connections sit idle. */
  idleCpuPerSecond: number;
}

const BROADCAST_TEXT = 'broadcast '.repeat(6) + 'msg!';

async function serverConnections(server: RunningServer): Promise<number> {
  return server.child.request<number>('connections');
}

async function openIdle(server: RunningServer, load: Child, count: number): Promise<void> {
  await load.request('idle-open', { port: server.port, kind: server.entry.client, count });
  await waitFor(async () => (await serverConnections(server)) >= count, 60_000, `${server.entry.name} to count ${count} connections`);
}

async function closeIdle(server: RunningServer, load: Child): Promise<void> {
  await load.request('idle-close');
  await waitFor(async () => (await serverConnections(server)) === 0, 30_000, `${server.entry.name} to see every connection closed`);
}

/** Server CPU µs per wall-clock second over `windowMs`. */
export async function idleCpu(server: RunningServer, windowMs: number): Promise<number> {
  const before = await server.child.request<{ cpu: number }>('cpu');
  const start = performance.now();
  await sleep(windowMs);
  const after = await server.child.request<{ cpu: number }>('cpu');
  return ((after.cpu - before.cpu) * 1000) / (performance.now() - start);
}

/** Loads the code paths a connection uses before the baseline, so they do not count as growth. */
async function warmUp(server: RunningServer, load: Child): Promise<void> {
  await load.request('echo-start', { port: server.port, kind: server.entry.client, connections: 20, inFlight: 4, payload: 'text64' });
  await sleep(300);
  await load.request('echo-stop');
  await waitFor(async () => (await serverConnections(server)) === 0, 10_000, `${server.entry.name} to close the warm-up connections`);
}

async function timeBroadcasts(server: RunningServer, load: Child, settings: BenchSettings['idle']): Promise<number> {
  const times: number[] = [];
  for (let repeat = 0; repeat < settings.broadcastRepeats; repeat++) {
    const receivedBefore = await load.request<number>('idle-received');
    const sample = await server.child.request<BroadcastSample>('broadcast', { text: BROADCAST_TEXT });
    if (repeat > 0) times.push(sample.ms);
    const expected = receivedBefore + sample.recipients;
    await waitFor(async () => (await load.request<number>('idle-received')) >= expected, 30_000, 'every broadcast copy to arrive');
  }
  return median(times);
}

/** Heartbeat off: memory per connection, broadcast time and the idle CPU baseline. */
export async function sampleIdle(server: RunningServer, load: Child, settings: BenchSettings['idle']): Promise<IdleSample> {
  await warmUp(server, load);
  const baseline = await server.child.request<MemorySample>('memory');
  await openIdle(server, load, settings.connections);
  try {
    const loaded = await server.child.request<MemorySample>('memory');
    const connections = settings.connections;
    const broadcastMs = await timeBroadcasts(server, load, settings);
    await sleep(200);
    const idleCpuPerSecond = await idleCpu(server, settings.cpuWindowMs);
    return {
      connections,
      rssPerConnection: (loaded.rss - baseline.rss) / connections,
      heapPerConnection: (loaded.heapUsed - baseline.heapUsed) / connections,
      broadcastMs,
      idleCpuPerSecond,
    };
  } finally {
    await closeIdle(server, load);
  }
}

export interface HeartbeatSample {
  /** Server CPU µs per wall-clock second with the heartbeat at the short interval. */
  idleCpuPerSecond: number;
  /** Connections still open at the end: a heartbeat must not drop live peers. */
  survivors: number;
  heapPerConnection: number;
  /** Event-loop delay over two heartbeat rounds: how long a round blocks everything else. */
  loopDelay: LoopDelaySample;
}

/** Heartbeat on at `settings.heartbeatMs`: idle CPU once a few rounds of pings have gone by. */
export async function sampleHeartbeat(server: RunningServer, load: Child, settings: BenchSettings['idle']): Promise<HeartbeatSample> {
  const baseline = await server.child.request<MemorySample>('memory');
  await openIdle(server, load, settings.connections);
  try {
    // Past the first rounds of pings, so the window sees the steady state.
    await sleep(2 * settings.heartbeatMs + 200);
    const idleCpuPerSecond = await idleCpu(server, settings.cpuWindowMs);
    // Its own window: the 1 ms monitor timer would add CPU to the window above.
    const loopDelay = await server.child.request<LoopDelaySample>('loop-delay', { ms: 2 * settings.heartbeatMs + 100 });
    const loaded = await server.child.request<MemorySample>('memory');
    return {
      idleCpuPerSecond,
      loopDelay,
      survivors: await serverConnections(server),
      heapPerConnection: (loaded.heapUsed - baseline.heapUsed) / settings.connections,
    };
  } finally {
    await closeIdle(server, load);
  }
}
