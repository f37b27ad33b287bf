// The ServerTick every server process of the deploy scenario sends (contract.ts), whatever its
// stack: connections, event-loop delay since the previous tick, memory, refusals.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerTick } from './contract.js';

/** Starts the ticks (every DEPLOY_TICK_MS, 500 by default); `refused()` returns and resets the count. */
export function startServerTicks(server: string, connections: () => number, refused: () => number): { stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    process.send?.({
      type: 'tick',
      server,
      at: performance.timeOrigin + performance.now(),
      connections: connections(),
      loopDelayMaxMs: delay.max / 1e6,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      refused: refused(),
    } satisfies ServerTick);
    delay.reset();
  }, Number(process.env.DEPLOY_TICK_MS ?? 500));
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}
