import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { onCleanup } from './cleanup.js';
import { pathOf, redisServer } from './external-programs.js';
import { freePort, startOnFreePort } from './ports.js';

export { freePort } from './ports.js';
import { delay } from './server.js';

/** redis-server's arguments besides the port, or how to make them afresh for each try. */
type Args = readonly string[] | (() => Promise<readonly string[]>);


/** Whether something at `port` answers PING with PONG. */
async function answersPing(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    return reply.toString().startsWith('+PONG');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * A `redis-server` of our own on a free port, without persistence, stopped after the test. Its
 * tests run in `describeNeeding(…, { needs: [redisServer] })`, which decides what happens when
 * redis-server is not installed.
 */
export class RedisServer {
  readonly port: number;
  /** More redis-server arguments (test/helpers/redis-cluster.ts: cluster mode). */
  readonly #args: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, args: readonly string[]) {
    this.port = port;
    this.#args = args;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * `args` may be a function, called again for each try: with no `port` given, a port found free
   * can be taken by another test file before redis-server binds it, so a start that fails is tried
   * again (up to 5 times) on fresh ports (and fresh `--cluster-port`s, test/helpers/redis-cluster.ts).
   */
  static async start(port?: number, args: Args = []): Promise<RedisServer> {
    return RedisServer.#startTrying(port, args, (server) => onCleanup(() => server.stop()));
  }

  /** Like `start()`, outside any test (bench/topics.ts): the caller stops it. */
  static async launch(port?: number, args: Args = []): Promise<RedisServer> {
    return RedisServer.#startTrying(port, args, () => undefined);
  }

  static async #startTrying(port: number | undefined, args: Args, started: (server: RedisServer) => void): Promise<RedisServer> {
    const on = async (chosen: number) => {
      const server = new RedisServer(chosen, typeof args === 'function' ? await args() : args);
      started(server);
      try {
        await server.restart();
        return server;
      } catch (error) {
        await server.stop();
        throw error;
      }
    };
    return port === undefined ? startOnFreePort(on) : on(port);
  }


  /** Starts it again on the same port (after `stop()`). */
  async restart(): Promise<void> {
    if (this.#process !== undefined) throw new Error('redis-server is already running');
    const child = spawn(
      pathOf(redisServer),
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...this.#args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process = child;
    // Its log (warnings and up, on stdout) is kept for the error if it exits while starting
    // ('close' comes after the last of it); stderr reaches the test's output as well.
    let said = '';
    const hear = (chunk: Buffer) => {
      said = (said + chunk.toString()).slice(-2000);
    };
    child.stdout?.on('data', hear);
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      hear(chunk);
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('close', (code) => reject(new Error(`redis-server exited with ${code} while starting on port ${this.port}${said === '' ? '' : `: ${said.trim()}`}`)));
    });
    failed.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!(await Promise.race([answersPing(this.port), failed]))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
      await delay(20);
    }
  }

  /** How many connections are subscribed to `channel` (PUBSUB NUMSUB). */
  async subscribers(channel: string): Promise<number> {
    const [, count] = (await this.command('PUBSUB', 'NUMSUB', channel)) as [string, number];
    return count;
  }

  /** How many connections are in subscriber mode (CLIENT LIST TYPE pubsub). */
  async subscriberConnections(): Promise<number> {
    const list = (await this.command('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    return list.split('\n').filter((line) => line.trim() !== '').length;
  }

  /** Runs one command on a connection of its own. */
  async command(name: string, ...args: string[]): Promise<unknown> {
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }

  /** Stops it (SIGTERM to the process we started) and waits until it exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
