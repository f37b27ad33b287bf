import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A request sent over the IPC channel to a child (server or load generator). */
export interface Request {
  id: number;
  cmd: string;
  args?: unknown;
}

/** The child's answer to one request. */
export interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** What a child sends once it is ready to take requests. */
export interface Ready {
  ready: true;
  value?: unknown;
}

export interface SpawnOptions {
  /** Extra `node` flags, e.g. --expose-gc or --cpu-prof. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Open files the child needs; the spawned shell raises its limit to this (or to the hard limit). */
  fileLimit?: number;
}

/**
 * `BENCH_NODE_FLAGS` (space-separated) go to every child too: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * profiles each process of a scenario (NODE_OPTIONS does not take --cpu-prof).
 */
function extraFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/**
 * A child process driven by request/reply messages over Node's IPC channel. Started through
 * `sh -c 'ulimit -n …; exec node …'`, because 10,000 sockets need more than the common default of
 * 1,024 open files and a process cannot raise its own limit.
 */
export class Child {
  readonly process: ChildProcess;
  readonly ready: Promise<unknown>;
  readonly exited: Promise<number | null>;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(entry: string, args: string[], options: SpawnOptions = {}) {
    const limit = options.fileLimit ?? 1024;
    const script = `ulimit -n ${limit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
    // A built .mjs (bench/deploy/build.ts) runs on plain node; TypeScript through tsx.
    const loader = entry.endsWith('.mjs') ? [] : ['--import', 'tsx'];
    const nodeArgs = [...loader, ...(options.nodeFlags ?? []), ...extraFlags(), fileURLToPath(new URL(entry, import.meta.url)), ...args];
    this.process = spawn('sh', ['-c', script, 'sh', process.execPath, ...nodeArgs], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...options.env },
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    this.ready = new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`${entry} ${args.join(' ')} exited with ${code} before it was ready`));
      this.process.once('exit', onExit);
      this.process.on('message', (message: Reply | Ready) => {
        if ('ready' in message) {
          this.process.off('exit', onExit);
          resolve(message.value);
          return;
        }
        const waiter = this.#pending.get(message.id);
        if (waiter === undefined) return;
        this.#pending.delete(message.id);
        if (message.ok) waiter.resolve(message.value);
        else waiter.reject(new Error(`${entry} ${args.join(' ')}: ${message.error}`));
      });
    });
    this.process.once('exit', (code) => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error(`${entry} exited with ${code} during a request`));
      this.#pending.clear();
    });
  }

  request<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Asks the child to exit and waits; kills it if it does not within `timeout` ms. */
  async stop(timeout = 5000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeout);
    this.process.send({ id: 0, cmd: 'exit' } satisfies Request, () => undefined);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Child side: answers requests with `handlers[cmd](args)`; `exit` ends the process. */
export function serveRequests(handlers: Record<string, (args: never) => unknown>, readyValue?: unknown): void {
  // The harness went away (stopped, crashed): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Request) => {
    if (message.cmd === 'exit') {
      process.disconnect?.();
      process.exit(0);
    }
    const handler = handlers[message.cmd];
    const reply = (fields: Omit<Reply, 'id'>): void => void process.send?.({ id: message.id, ...fields });
    if (handler === undefined) return reply({ ok: false, error: `unknown command ${message.cmd}` });
    Promise.resolve()
      .then(() => handler(message.args as never))
      .then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.send?.({ ready: true, value: readyValue } satisfies Ready);
}
