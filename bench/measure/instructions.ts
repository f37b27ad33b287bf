// Metric: instructions per handshake, counted by valgrind's callgrind in the server process. CPU
// time per handshake swings with whatever else the machine runs (2-3x between samples on a shared
// machine); an instruction count of the same code and load is repeatable to about 1-2 %, so its
// ratios hold on a busy machine too. It counts user-space instructions only (no kernel time).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { handshakeOnce } from '../load/echo.js';
import type { ServerEntry } from '../servers/index.js';

export interface InstructionSettings {
  /** Handshakes before counting starts: enough for V8 to have compiled the handshake path (thousands). */
  warmup: number;
  /** Handshakes counted. */
  handshakes: number;
}

const benchDir = path.dirname(path.dirname(new URL(import.meta.url).pathname));

/** Why the instruction count cannot run here, or undefined when valgrind and callgrind_control can. */
export function instructionCountUnavailable(): string | undefined {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'valgrind not installed (apt-get install -y valgrind)';
  }
}

/**
 * The server as one ES module file: under valgrind, tsx's loader thread would compile TypeScript
 * inside the measured process. tsconfig's paths map `upsocket/*` to `src/`, as in the other rows.
 * The banner gives the CommonJS packages bundled into it (express, ws) the `require` they call
 * for Node's own modules.
 */
async function bundle(entry: ServerEntry, dir: string): Promise<string> {
  const outfile = path.join(dir, `${entry.name}.mjs`);
  const serverModule = path.join(benchDir, 'servers', entry.file);
  await build({
    stdin: {
      contents: `import { start } from ${JSON.stringify(serverModule)};\nstart({ heartbeat: false }).then((server) => console.log('PORT ' + server.port));\n`,
      resolveDir: benchDir,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    outfile,
    logLevel: 'error',
    tsconfig: path.join(benchDir, '..', 'tsconfig.json'),
  });
  return outfile;
}

function control(pid: number, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore', timeout: 60_000 });
}

function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no port after 120 s under valgrind: ${output.slice(-500)}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /PORT (\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) under valgrind: ${output.slice(-500)}`)));
  });
}

async function handshakes(entry: ServerEntry, port: number, count: number, first: number): Promise<void> {
  // One at a time: how the kernel batches concurrent reads would vary the count from run to run.
  for (let i = 0; i < count; i++) await handshakeOnce(entry.client, port, first + i);
}

/**
 * Instructions the server executes per handshake (connect, one 64 B echo, close), counted over
 * `handshakes` after `warmup` uncounted ones. V8 runs single-threaded (`--single-threaded`), so
 * its compiler and GC work lands in the count deterministically instead of on helper threads.
 */
export async function countHandshakeInstructions(entry: ServerEntry, settings: InstructionSettings): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `upsocket-callgrind-${entry.name}-`));
  const out = path.join(dir, 'callgrind.out');
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', await bundle(entry, dir)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.resume();
  try {
    const port = await portOf(child);
    await handshakes(entry, port, settings.warmup, 0);
    control(child.pid!, '--instr=on');
    await handshakes(entry, port, settings.handshakes, settings.warmup);
    control(child.pid!, '--dump');
    const dump = await readFile(`${out}.1`, 'utf8');
    const totals = /^totals:\s+(\d+)/m.exec(dump);
    if (totals === null) throw new Error(`no totals in the callgrind dump of ${entry.name}`);
    return Number(totals[1]) / settings.handshakes;
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
