// A quick start (examples/quickstart/<name>.ts, embedded verbatim in the docs) run as a user runs
// it, in its own process, on a free port instead of the one it names; stopped after the test.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

const root = join(import.meta.dirname, '../..');

/** Starts the quick start and resolves with the port it listens on. */
export async function runQuickstart(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(root, 'test/fixtures/listen-on-any-port.ts'), join(root, 'examples/quickstart', file)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(() => child.kill('SIGKILL'));
  let output = '';
  return new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on (\d+)/.exec(output)?.[1];
      if (port) resolve(Number(port));
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before listening: ${output}`)));
  });
}
