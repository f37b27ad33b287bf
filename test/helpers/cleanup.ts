import { onTestFinished } from 'vitest';

/**
 * Registers teardown for the current test: vitest's `onTestFinished`, which runs after the test and
 * its `afterEach` hooks, in reverse order of registration, runs each even when one before it threw,
 * and fails the test with each error. Kept as a wrapper for the type: teardown is often an
 * expression whose value is not void (`socket.destroy()` returns the socket), which
 * `onTestFinished` rejects. Allowed in a test and its `beforeEach`/`afterEach`; vitest throws
 * anywhere else (a `beforeAll`, or outside vitest: bench/ starts its Redis with `RedisServer.launch`).
 */
export function onCleanup(cleanup: () => unknown): void {
  onTestFinished(async () => {
    await cleanup();
  });
}
