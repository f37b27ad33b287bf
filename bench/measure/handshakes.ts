// Metric 3: handshakes per second (connect, one echo, close) and the server CPU each one costs.
import type { Child } from '../ipc.js';
import { snapshot, type RunningServer } from '../processes.js';
import type { BenchSettings } from '../settings.js';
import { sleep } from '../stats.js';

export interface HandshakeSample {
  perSecond: number;
  /** Server CPU µs per completed handshake. */
  cpuPerHandshake: number;
}

interface Counts {
  completed: number;
  failed: number;
}

export async function sampleHandshakes(server: RunningServer, load: Child, settings: BenchSettings['handshakes']): Promise<HandshakeSample> {
  await load.request('handshake-start', { port: server.port, kind: server.entry.client, concurrency: settings.concurrency });
  try {
    await sleep(settings.warmupMs);
    const before = await snapshot<Counts>(server, load, 'handshake-count');
    await sleep(settings.windowMs);
    const after = await snapshot<Counts>(server, load, 'handshake-count');
    const completed = after.count.completed - before.count.completed;
    const failed = after.count.failed - before.count.failed;
    if (completed <= 0 || failed > completed / 100) {
      throw new Error(`${server.entry.name}: ${completed} handshakes completed, ${failed} failed`);
    }
    return { perSecond: (completed * 1000) / (after.at - before.at), cpuPerHandshake: (after.cpu - before.cpu) / completed };
  } finally {
    await load.request('handshake-stop');
  }
}
