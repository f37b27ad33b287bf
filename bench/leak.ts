// Leak check: many connect / echo / close cycles against a server in a child process, then the
// server's heap after GC compared with its baseline. `npm run leak` runs the full 100,000 cycles;
// test/hardening/leaks.test.ts runs the same check with fewer.
//
//   npm run leak -- [--cycles 100000] [--concurrency 50] [--warmup 1000] [--tolerance 0.05] [--full-jit]
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import type { LeakServerReply, LeakServerRequest } from './leak-server.js';

export interface LeakCheckOptions {
  cycles: number;
  /** Cycles run at once. Default: 25. */
  concurrency?: number;
  /** Cycles run before the baseline is taken (JIT, first-use caches). Default: 500. */
  warmup?: number;
  /** Let V8 optimise as it normally would (the heap then settles only after ~5,000 cycles). Default: false. */
  fullJit?: boolean;
  /** Make the server keep every connection: a deliberate leak, to check the check. Default: false. */
  retainConnections?: boolean;
  /** Called with progress lines. */
  log?: (line: string) => void;
}

export interface LeakCheckResult {
  cycles: number;
  baselineHeap: number;
  finalHeap: number;
  /** (final - baseline) / baseline. */
  growth: number;
  /** `upsocket.connections.size` and open TCP sockets on the server after the cycles. */
  connections: number;
  sockets: number;
  elapsedMs: number;
}

/** How each cycle ends, in turn: every way a connection can finish must free it. */
const endings = ['client-close', 'server-close', 'client-terminate', 'protocol-error', 'refused'] as const;
type Ending = (typeof endings)[number];

class LeakServer {
  readonly #child: ChildProcess;
  readonly #replies: ((reply: LeakServerReply) => void)[] = [];

  constructor(fullJit: boolean, retain: boolean) {
    const script = fileURLToPath(new URL('./leak-server.ts', import.meta.url));
    // Optimised code for the hot paths adds a few hundred KiB over the first thousands of cycles:
    // a one-off cost that a 5 % bound on an 8 MiB heap cannot tell from a leak. Capping the JIT at
    // its baseline tier (and keeping bytecode) leaves what the check is about: retained objects.
    const jitFlags = fullJit ? [] : ['--max-opt=1', '--no-flush-bytecode'];
    this.#child = fork(script, [], {
      execArgv: ['--expose-gc', ...jitFlags, '--import', 'tsx'],
      env: { ...process.env, UPSOCKET_LEAK_SERVER_RETAIN: retain ? '1' : '0' },
      // `--import tsx` resolves from the working directory: the repository's root.
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: LeakServerReply) => this.#replies.shift()?.(reply));
  }

  next(): Promise<LeakServerReply> {
    return new Promise((resolve, reject) => {
      this.#replies.push(resolve);
      this.#child.once('exit', (code) => reject(new Error(`leak server exited with ${code}`)));
    });
  }

  async measure(): Promise<Extract<LeakServerReply, { type: 'measured' }>> {
    const reply = this.next();
    this.#child.send({ type: 'measure' } satisfies LeakServerRequest);
    const measured = await reply;
    if (measured.type !== 'measured') throw new Error(`unexpected reply ${measured.type}`);
    return measured;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.send({ type: 'exit' } satisfies LeakServerRequest);
    const timer = setTimeout(() => this.#child.kill(), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** One connection's life, ended the way `ending` says. Rejects if the server misbehaved. */
function cycle(port: number, index: number, ending: Ending): Promise<void> {
  const origin = ending === 'refused' ? 'https://evil.example' : `http://127.0.0.1:${port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { origin });
  let rawSocket: Duplex | undefined;
  ws.once('upgrade', (response) => (rawSocket = response.socket));
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      ws.terminate();
      reject(error);
    };
    ws.on('error', fail);
    ws.on('unexpected-response', (_request, response) => {
      response.resume();
      if (ending === 'refused' && response.statusCode === 403) response.on('end', () => resolve());
      else fail(new Error(`cycle ${index}: HTTP ${response.statusCode}`));
    });
    ws.on('open', () => ws.send(`echo ${index}`));
    ws.on('message', (data: Buffer) => {
      if (data.toString() !== `echo ${index}`) return fail(new Error(`cycle ${index}: wrong echo ${data.toString()}`));
      if (ending === 'client-close') ws.close(1000);
      else if (ending === 'server-close') ws.send('bye');
      else if (ending === 'client-terminate') ws.terminate();
      // An unmasked frame, written past ws's sender: the server must close with 1002.
      else if (ending === 'protocol-error') rawSocket?.write(Buffer.from([0x81, 0x01, 0x78]));
    });
    ws.on('close', (code) => {
      const expected = { 'client-close': 1000, 'server-close': 1000, 'client-terminate': 1006, 'protocol-error': 1002, refused: 1006 }[ending];
      if (code === expected) resolve();
      else reject(new Error(`cycle ${index} (${ending}): closed with ${code}, expected ${expected}`));
    });
  });
}

async function runCycles(port: number, from: number, count: number, concurrency: number): Promise<void> {
  let next = from;
  const end = from + count;
  const lane = async () => {
    while (next < end) {
      const index = next++;
      await cycle(port, index, endings[index % endings.length]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** Waits until the server holds no connection and no socket, then measures its heap. */
async function measureIdle(server: LeakServer): Promise<Extract<LeakServerReply, { type: 'measured' }>> {
  for (let attempt = 0; ; attempt++) {
    const measured = await server.measure();
    if ((measured.connections === 0 && measured.sockets === 0) || attempt === 50) return measured;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runLeakCheck(options: LeakCheckOptions): Promise<LeakCheckResult> {
  const { cycles, concurrency = 25, warmup = 500, log = () => {} } = options;
  const server = new LeakServer(options.fullJit ?? false, options.retainConnections ?? false);
  try {
    const ready = await server.next();
    if (ready.type !== 'ready') throw new Error('leak server did not start');
    const started = Date.now();
    await runCycles(ready.port, 0, warmup, concurrency);
    const baseline = await measureIdle(server);
    log(`baseline after ${warmup} warm-up cycles: ${(baseline.heapUsed / 1024 / 1024).toFixed(2)} MiB`);
    const step = Math.max(1, Math.min(cycles, 10_000));
    for (let done = 0; done < cycles; done += step) {
      await runCycles(ready.port, warmup + done, Math.min(step, cycles - done), concurrency);
      log(`${Math.min(done + step, cycles)} cycles`);
    }
    const final = await measureIdle(server);
    const growth = (final.heapUsed - baseline.heapUsed) / baseline.heapUsed;
    log(`after ${cycles} cycles: ${(final.heapUsed / 1024 / 1024).toFixed(2)} MiB (${(growth * 100).toFixed(2)} %)`);
    return {
      cycles,
      baselineHeap: baseline.heapUsed,
      finalHeap: final.heapUsed,
      growth,
      connections: final.connections,
      sockets: final.sockets,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await server.stop();
  }
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
}

async function main(): Promise<void> {
  const cycles = option('cycles', 100_000);
  const tolerance = option('tolerance', 0.05);
  const fullJit = process.argv.includes('--full-jit');
  const result = await runLeakCheck({ cycles, concurrency: option('concurrency', 50), warmup: option('warmup', fullJit ? 5000 : 1000), fullJit, log: console.log });
  console.log(JSON.stringify(result));
  const ok = result.growth <= tolerance && result.connections === 0 && result.sockets === 0;
  console.log(ok ? `OK: heap within ${tolerance * 100} % of baseline, no connection left` : 'LEAK: see above');
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url) {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
