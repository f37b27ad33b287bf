// Metric 1: server CPU time per echoed message, under a closed-loop echo load.
import type { Child } from '../ipc.js';
import type { PayloadKind } from '../load/payload.js';
import { snapshot, type RunningServer } from '../processes.js';
import type { BenchSettings } from '../settings.js';
import { sleep } from '../stats.js';

export interface EchoSample {
  /** Server CPU µs per echoed message. */
  cpuPerMessage: number;
  /** The user-mode part of it (the rest is the kernel's, mostly loopback TCP per write). */
  userCpuPerMessage: number;
  messagesPerSecond: number;
}

export async function sampleEchoCpu(server: RunningServer, load: Child, payload: PayloadKind, settings: BenchSettings['echo']): Promise<EchoSample> {
  await load.request('echo-start', {
    port: server.port,
    kind: server.entry.client,
    connections: settings.connections,
    inFlight: settings.inFlight,
    payload,
  });
  try {
    await sleep(settings.warmupMs);
    const before = await snapshot<number>(server, load, 'echo-count');
    await sleep(settings.windowMs);
    const after = await snapshot<number>(server, load, 'echo-count');
    const messages = after.count - before.count;
    if (messages <= 0) throw new Error(`${server.entry.name} echoed nothing with ${payload}`);
    return {
      cpuPerMessage: (after.cpu - before.cpu) / messages,
      userCpuPerMessage: (after.user - before.user) / messages,
      messagesPerSecond: (messages * 1000) / (after.at - before.at),
    };
  } finally {
    await load.request('echo-stop');
  }
}
