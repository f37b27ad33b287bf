// The helper every Redis suite starts from: a start that fails says why, and one on a port found
// free that another test file took first is tried again (CI once failed on that race).
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { describeNeeding, redisServer } from './external-programs.js';
import { RedisServer } from './redis-server.js';

describeNeeding('the redis-server test helper', { needs: [redisServer] }, () => {
  it("says redis-server's own reason when it cannot start on a port that was asked for", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      await expect(RedisServer.start(port)).rejects.toThrow(/exited with 1 while starting on port \d+: .*(Address already in use|Could not create server TCP listening socket)/s);
    } finally {
      taken.close();
    }
  });

  it('tries again, with arguments made afresh, when a start on a free port fails', async () => {
    const tries: string[][] = [];
    const server = await RedisServer.start(undefined, async () => {
      // The first try fails as a taken port would (redis-server exits 1); the second is sound.
      const args = tries.length === 0 ? ['--no-such-option', 'yes'] : ['--databases', '4'];
      tries.push(args);
      return args;
    });
    expect(tries).toHaveLength(2);
    expect(await server.command('CONFIG', 'GET', 'databases')).toEqual(['databases', '4']);
  });
});
