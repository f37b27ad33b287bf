// Process plumbing for bench/topics.ts: start a child with a raised open-file limit, talk to it
// with request/reply messages over Node's IPC channel.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TopicsBenchRequest {
  id: number;
  cmd: string;
  args?: unknown;
}

export class TopicsBenchChild {
  readonly process: ChildProcess;
  readonly ready: Promise<unknown>;
  #nextId = 1;
  readonly #pending = new Map<number, (reply: { ok: boolean; value?: unknown; error?: string | undefined }) => void>();

  /** Runs `node --import tsx <script>` through `sh`, which raises the open-file limit to `files` first. */
  constructor(script: string, env: Record<string, string>, files: number) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const shell = `ulimit -n ${files} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
    this.process = spawn('sh', ['-c', shell, 'sh', process.execPath, '--import', 'tsx', path], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    this.ready = new Promise((resolve, reject) => {
      this.process.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
      this.process.on('message', (message: { ready?: unknown; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
        if ('ready' in message) return resolve(message.ready);
        this.#pending.get(message.id!)?.({ ok: message.ok!, value: message.value, error: message.error });
        this.#pending.delete(message.id!);
      });
    });
  }

  request<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => (reply.ok ? resolve(reply.value as T) : reject(new Error(`${cmd}: ${reply.error}`))));
      this.process.send({ id, cmd, args } satisfies TopicsBenchRequest);
    });
  }

  stop(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGTERM');
  }
}

/** Child side: answers requests with `handlers[cmd](args)`, then says it is ready with `readyValue`. */
export function answerRequests(handlers: Record<string, (args: never) => unknown>, readyValue: unknown): void {
  process.on('message', (request: TopicsBenchRequest) => {
    const reply = (fields: { ok: boolean; value?: unknown; error?: string }): void => void process.send?.({ id: request.id, ...fields });
    const handler = handlers[request.cmd];
    if (handler === undefined) return reply({ ok: false, error: `unknown command ${request.cmd}` });
    Promise.resolve()
      .then(() => handler(request.args as never))
      .then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: String(error) }),
      );
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ ready: readyValue });
}

/** Wall-clock time in ms with sub-millisecond precision, comparable between processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
