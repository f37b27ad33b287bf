// One benchmarked server in its own process. Usage: server-main.ts <name> <heartbeat ms|off>.
// Answers the harness over IPC; everything it measures is about this process only.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { serveRequests } from './ipc.js';
import type { BroadcastSample, CpuSample, LoopDelaySample, MemorySample, StartServer } from './servers/contract.js';
import { serverEntry } from './servers/index.js';

const [name = '', heartbeatArg = 'off'] = process.argv.slice(2);
const entry = serverEntry(name);
const heartbeat = heartbeatArg === 'off' ? false : Number(heartbeatArg);
const { start } = (await import(`./servers/${entry.file}`)) as { start: StartServer };
const bench = await start({ heartbeat });

const gc = (globalThis as { gc?: () => void }).gc;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function measureMemory(): Promise<MemorySample> {
  if (gc === undefined) throw new Error('start the server with --expose-gc');
  // Several rounds with turns in between: finalizers and weak references need a tick to settle.
  for (let round = 0; round < 4; round++) {
    gc();
    await sleep(50);
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

async function broadcast(text: string): Promise<BroadcastSample> {
  const recipients = bench.connections();
  const start = performance.now();
  bench.broadcast(text);
  // Writes an upsocket connection corks go out at the end of the tick: include that tick.
  await nextTurn();
  const pendingAfterFlush = bench.pending();
  while (bench.pending() > 0) await nextTurn();
  return { ms: performance.now() - start, recipients, pendingAfterFlush };
}

/** How late a 1 ms timer ran over `ms`: what a long synchronous callback (a heartbeat round) costs everyone. */
async function measureLoopDelay(ms: number): Promise<LoopDelaySample> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(ms);
  histogram.disable();
  return { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 };
}

serveRequests(
  {
    cpu: (): CpuSample => {
      const { user, system } = process.cpuUsage();
      return { cpu: user + system, user };
    },
    memory: measureMemory,
    connections: () => bench.connections(),
    broadcast: (args: { text: string }) => broadcast(args.text),
    'loop-delay': (args: { ms: number }) => measureLoopDelay(args.ms),
    'heap-snapshot': async (args: { file: string }) => {
      await measureMemory();
      return writeHeapSnapshot(args.file);
    },
  },
  { port: bench.port },
);
