// A real nginx for tests, configured from the ```nginx blocks of docs/deployment.md, so the page
// and what the test runs cannot drift. It runs in the foreground with its pid, logs and temp files
// in a temporary directory (no root paths, nothing left behind), on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginx, pathOf } from './external-programs.js';
import { startOnFreePort } from './ports.js';
import { delay } from './server.js';

const deploymentPage = join(import.meta.dirname, '../../docs/deployment.md');

/** The page's nginx blocks: the site (inside `http`), then the settings outside `http`. */
export function deploymentConfig(): { site: string; main: string } {
  const blocks = [...readFileSync(deploymentPage, 'utf8').matchAll(/```nginx\n([\s\S]*?)```/g)].map((match) => match[1]!);
  if (blocks.length !== 2) throw new Error(`docs/deployment.md should have 2 nginx blocks (site, main), has ${blocks.length}`);
  return { site: blocks[0]!, main: blocks[1]! };
}

/** `text` with its one occurrence of `from` replaced; throws when the page no longer says `from` exactly once. */
export function substitute(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected "${from}" once in docs/deployment.md's nginx config, found it ${count} times`);
  return text.replace(from, to);
}

/** Whether something accepts connections on the loopback `port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once `port` accepts; if `child` exits or 10 s pass first, runs `stop` and throws `failure()`. */
export async function untilAccepting(port: number, child: ChildProcess, stop: () => Promise<void>, failure: () => string): Promise<void> {
  for (let waited = 0; !(await accepts(port)); waited += 20) {
    if (child.exitCode !== null || waited > 10_000) {
      await stop();
      throw new Error(failure());
    }
    await delay(20);
  }
}

/** SIGTERM (SIGKILL after 5 s) unless it has exited; resolves once it has. */
export async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export class Nginx {
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
    readonly directory: string,
  ) {}

  /**
   * Starts nginx with `main` (settings outside `http`) and `site` (inside `http`), each with
   * `{port}` standing for the port it listens on; resolves once that port accepts connections.
   */
  static async start({ main, site }: { main: string; site: string }): Promise<Nginx> {
    return startOnFreePort((port) => Nginx.#startOn(port, main, site));
  }

  static async #startOn(port: number, main: string, site: string): Promise<Nginx> {
    const directory = mkdtempSync(join(tmpdir(), 'upsocket-nginx-'));
    // Run as root, nginx's workers run as nobody; they must reach the temp directories.
    chmodSync(directory, 0o755);
    const config = [
      'daemon off;',
      `pid ${directory}/nginx.pid;`,
      `error_log ${directory}/error.log warn;`,
      main,
      'http {',
      '    access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${directory}/${kind};`),
      site.replaceAll('{port}', String(port)),
      '}',
      '',
    ].join('\n');
    writeFileSync(join(directory, 'nginx.conf'), config);
    const child = spawn(pathOf(nginx), ['-p', directory, '-c', join(directory, 'nginx.conf'), '-e', join(directory, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = new Nginx(port, child, directory);
    await untilAccepting(port, child, () => started.stop(), () => `nginx did not start (exit ${child.exitCode}): ${stderr}\n${config}`);
    // What accepted may be whoever took the port first (nginx retries its bind before it exits).
    if (stderr.includes('bind()')) {
      await started.stop();
      throw new Error(`nginx could not listen on ${port}: ${stderr}`);
    }
    return started;
  }

  /** What nginx logged at warn and above (a failed proxy connection, a config warning). */
  errorLog(): string {
    try {
      return readFileSync(join(this.directory, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Fast shutdown (SIGTERM closes its connections, WebSockets included), then removes its directory. */
  async stop(): Promise<void> {
    await terminate(this.child);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
