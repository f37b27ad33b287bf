// An example program (examples/<path>, embedded verbatim in the docs) run as a user runs it, in its
// own process, on a free port instead of the one it names; killed after the test unless stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

const root = join(import.meta.dirname, '../..');

export interface ExampleProcess {
  child: ChildProcess;
  port: number;
}

/** Starts `examples/<path>` and resolves once it listens. Kill it yourself when not in a test (`stop`). */
export async function startExample(path: string): Promise<ExampleProcess> {
  const preload = join(root, 'test/fixtures/listen-on-any-port.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, join(root, 'examples', path)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (\d+)/.exec(output)?.[1];
      if (listening) resolve(Number(listening));
    });
    child.once('exit', (code) => reject(new Error(`examples/${path} exited (${code}) before listening: ${output}`)));
  });
  return { child, port };
}

/** SIGKILL unless it has exited; resolves once it has. */
export async function stopExample({ child }: ExampleProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** `startExample()` for one test: the process is killed after it. Resolves with the port. */
export async function runExample(path: string): Promise<number> {
  const example = await startExample(path);
  onCleanup(() => stopExample(example));
  return example.port;
}
