// A chat demo server (examples/<name>/server.ts) run as its own process, as `npm start` runs it:
// started on a given port, stopped with SIGTERM (its graceful shutdown), and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

const root = join(import.meta.dirname, '../..');

export class DemoProcess {
  #child: ChildProcess | undefined;

  constructor(
    readonly example: string,
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}

  /** Starts the server and resolves once it says it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples', this.example, 'server.ts')], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Chat demo: http://')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`The ${this.example} demo exited (${code}) before listening: ${output}`)));
    });
  }

  /** SIGTERM, as a deploy would send; SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A started demo process, stopped after the test. */
export async function demoProcess(example: string, port: number, env: Record<string, string>): Promise<DemoProcess> {
  const demo = new DemoProcess(example, port, env);
  onCleanup(() => demo.stop());
  await demo.start();
  return demo;
}
