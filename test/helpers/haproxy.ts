// A real HAProxy for tests, configured from the ```haproxy block of docs/deployment.md, in the
// foreground on a free loopback port (HAProxy keeps no files: nothing to clean up but the process).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haproxy, pathOf } from './external-programs.js';
import { terminate, untilAccepting } from './nginx.js';
import { startOnFreePort } from './ports.js';

const deploymentPage = join(import.meta.dirname, '../../docs/deployment.md');

/** The page's HAProxy configuration. */
export function haproxyConfig(): string {
  const blocks = [...readFileSync(deploymentPage, 'utf8').matchAll(/```haproxy\n([\s\S]*?)```/g)].map((match) => match[1]!);
  if (blocks.length !== 1) throw new Error(`docs/deployment.md should have 1 haproxy block, has ${blocks.length}`);
  return blocks[0]!;
}

export class HaProxy {
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
    readonly directory: string,
  ) {}

  /** Starts HAProxy with `config` (`{port}`: the port it listens on); resolves once it accepts. */
  static async start(config: string): Promise<HaProxy> {
    return startOnFreePort((port) => HaProxy.#startOn(port, config));
  }

  static async #startOn(port: number, config: string): Promise<HaProxy> {
    const directory = mkdtempSync(join(tmpdir(), 'upsocket-haproxy-'));
    const file = join(directory, 'haproxy.cfg');
    writeFileSync(file, config.replaceAll('{port}', String(port)));
    const child = spawn(pathOf(haproxy), ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = new HaProxy(port, child, directory);
    await untilAccepting(port, child, () => started.stop(), () => `haproxy did not start (exit ${child.exitCode}): ${stderr}`);
    // What accepted may be whoever took the port first.
    if (/cannot bind|Address already in use/i.test(stderr)) {
      await started.stop();
      throw new Error(`haproxy could not listen on ${port}: ${stderr}`);
    }
    return started;
  }

  /** Hard stop (SIGTERM closes its connections), then removes its directory. */
  async stop(): Promise<void> {
    await terminate(this.child);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
