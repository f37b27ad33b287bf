// NODE_DEBUG=upsocket prints one line per upgrade decision, refusal (with its reason), open and close.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

function debugOutput(nodeDebug: string | undefined, fixture = 'test/fixtures/debug-server.ts'): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_DEBUG;
  if (nodeDebug !== undefined) env.NODE_DEBUG = nodeDebug;
  return run(process.execPath, ['--import', 'tsx', fixture], { env, timeout: 20_000 });
}

describe('NODE_DEBUG=upsocket', () => {
  it('prints the upgrade, the refusal with its reason, the open and the close', async () => {
    const { stderr } = await debugOutput('upsocket');
    const lines = stderr.split('\n').filter((line) => line.startsWith('UPSOCKET '));
    expect(lines).toEqual([
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/refused from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: refused GET \/refused from 127\.0\.0\.1: 403 Origin https:\/\/evil\.example is not allowed$/),
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/denied from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/denied from 127\.0\.0\.1 answered by the app over HTTP: 401$/),
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/opened from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: open GET \/opened from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: close GET \/opened from 127\.0\.0\.1: 4002 done here$/),
    ]);
  });

  it("prints handleUpgrade()'s upgrades like routed ones", async () => {
    const { stderr } = await debugOutput('upsocket', 'test/fixtures/debug-handle-upgrade.ts');
    const lines = stderr.split('\n').filter((line) => line.startsWith('UPSOCKET '));
    expect(lines).toEqual([
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/refused from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: refused GET \/refused from 127\.0\.0\.1: 403 Origin https:\/\/evil\.example is not allowed$/),
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/opened from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: open GET \/opened from 127\.0\.0\.1$/),
      expect.stringMatching(/^UPSOCKET \d+: close GET \/opened from 127\.0\.0\.1: 4002 done here$/),
    ]);
  });

  it('prints a topic gap with the id before it and how many subscribers it hit', async () => {
    const { stderr } = await debugOutput('upsocket', 'test/fixtures/debug-topic-gap.ts');
    const lines = stderr.split('\n').filter((line) => line.startsWith('UPSOCKET '));
    expect(lines).toEqual([expect.stringMatching(/^UPSOCKET \d+: topic gap room after \d+-1: 2 subscriber\(s\) missed messages$/)]);
  });

  it('prints each header the app set that the handshake owns, left off the 101', async () => {
    const { stdout, stderr } = await debugOutput('upsocket', 'test/fixtures/debug-owned-headers.ts');
    const lines = stderr.split('\n').filter((line) => line.includes('left off the 101'));
    expect(lines).toEqual([
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/opened from 127\.0\.0\.1: header Connection left off the 101: the handshake owns it$/),
      expect.stringMatching(/^UPSOCKET \d+: upgrade GET \/opened from 127\.0\.0\.1: header Sec-WebSocket-Accept left off the 101: the handshake owns it$/),
    ]);
    expect(stdout).toBe('x-request-id: passes\n');
  });

  it('prints nothing without it', async () => {
    const { stderr } = await debugOutput(undefined);
    expect(stderr).not.toMatch(/UPSOCKET/);
  });
});
