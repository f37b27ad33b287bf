// Connect / echo / close cycles, ended every way a connection can end (client close, server
// close, client drop, protocol error, refused handshake), against a server in a child process
// started with --expose-gc. `npm run leak` runs the same check with 100,000 cycles.
import { describe, expect, it } from 'vitest';
import { runLeakCheck } from '../../bench/leak.js';

describe('leaks', () => {
  it('2,000 cycles leave the heap within 5 % of its baseline and no connection or socket behind', async () => {
    const result = await runLeakCheck({ cycles: 2000 });
    expect(result.connections).toBe(0);
    expect(result.sockets).toBe(0);
    expect(result.growth).toBeLessThan(0.05);
  }, 90_000);

  it('the check itself sees a leak: a server that keeps its connections grows far past 5 %', async () => {
    const result = await runLeakCheck({ cycles: 300, warmup: 100, retainConnections: true });
    // The connections are closed (the handle forgot them); their objects are what stays.
    expect(result.connections).toBe(0);
    expect(result.growth).toBeGreaterThan(0.05);
  }, 60_000);
});
