import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'tsup';
import { entries } from '../../tsup.config.js';

// The Next tests run test/fixtures/next-app through test/fixtures/next-server.ts. Each Next version
// gets a directory .next-fixtures/<package> (gitignored) with the app copied once per mode, so what
// Next generates (build output, tsconfig.json, next-env.d.ts) stays out of the source tree. Next
// bundles the routes, which import `upsocket/next` from a node_modules/upsocket built there from
// src/ (as an app that installed upsocket would); the custom server imports src/ directly.

const root = join(import.meta.dirname, '../..');
const workDir = join(root, '.next-fixtures');

/** Environment for every Next process: no telemetry, no lockfile "repair" over the network. */
export const nextEnv = { NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' };

/** The installed Next majors: `next` (16) and the npm alias `next15`. */
export interface NextVersion {
  /** Directory name under node_modules. */
  packageName: 'next' | 'next15';
  /** Where that Next's dev server serves HMR (router-server.js: `isHMRRequest`). */
  hmrPath: string;
}

export const next16: NextVersion = { packageName: 'next', hmrPath: '/_next/hmr' };
export const next15: NextVersion = { packageName: 'next15', hmrPath: '/_next/webpack-hmr' };

export type NextMode = 'dev' | 'production';

/** Builds upsocket from src/ into `<versionDir>/node_modules/upsocket`, with the package's exports. */
async function installUpsocket(versionDir: string): Promise<void> {
  const target = join(versionDir, 'node_modules/upsocket');
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: unknown };
  await build({
    config: false,
    entry: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(root, file)])),
    outDir: join(target, 'dist'),
    format: ['esm', 'cjs'],
    target: 'node20',
    splitting: true,
    // As the package's build (tsup.config.ts): browserClientFile reads import.meta.url, also in CJS.
    shims: true,
    clean: true,
    silent: true,
  });
  writeFileSync(join(target, 'package.json'), JSON.stringify({ name: 'upsocket', type: 'module', exports }));
}

/**
 * Next requires `next/dist/…` by name from inside itself. Under the `next15` alias that name would
 * find Next 16 in node_modules/next, so Next 15 gets a copy of its own (hard links: instant, no
 * space) in which `next` is Next 15.
 */
function ensureNextPackage(version: NextVersion): void {
  if (version.packageName === 'next') return;
  const source = join(root, 'node_modules', version.packageName);
  const target = join(workDir, version.packageName, 'node_modules/next');
  const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (existsSync(target) && versionOf(target) === versionOf(source)) return;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, '..'), { recursive: true });
  try {
    execFileSync('cp', ['-al', source, target]);
  } catch {
    cpSync(source, target, { recursive: true });
  }
}

/**
 * Sets up .next-fixtures/<package> for this Next version: the Next package, upsocket built from
 * src/, and a fresh copy of the fixture app per mode. Returns the app directories.
 */
export async function prepareFixtureApps(version: NextVersion): Promise<Record<NextMode, string>> {
  const versionDir = join(workDir, version.packageName);
  ensureNextPackage(version);
  await installUpsocket(versionDir);
  const copy = (mode: NextMode): string => {
    const dir = join(versionDir, mode);
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(root, 'test/fixtures/next-app'), dir, { recursive: true });
    return dir;
  };
  return { dev: copy('dev'), production: copy('production') };
}

/** The Next module an app directory resolves, i.e. the version under test. */
export function requireNext<T>(dir: string): T {
  return createRequire(join(dir, 'package.json'))('next') as T;
}

/** `next build`, with the Next that `dir` resolves. */
export async function buildNextApp(dir: string): Promise<void> {
  const bin = createRequire(join(dir, 'package.json')).resolve('next/dist/bin/next');
  try {
    await promisify(execFile)(process.execPath, [bin, 'build', dir], {
      cwd: dir,
      env: { ...process.env, ...nextEnv, NODE_ENV: 'production' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`next build failed in ${dir}:\n${stdout}\n${stderr}`);
  }
}

/** The fixture's custom server running in a child process. */
export interface NextChild {
  port: number;
  httpUrl: string;
  wsUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts test/fixtures/next-server.ts for `dir` on a free port; resolves once it listens. */
export function startNextChild(dir: string, mode: NextMode): Promise<NextChild> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/next-server.ts', dir, mode], {
    cwd: root,
    env: { ...process.env, ...nextEnv, NODE_ENV: mode === 'dev' ? 'development' : 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      const listening = /^listening (\d+)$/m.exec(output);
      if (listening === null) return;
      child.stdout?.off('data', onOutput);
      child.stdout?.on('data', (more: Buffer) => (output += more.toString()));
      const port = Number(listening[1]);
      resolve({ port, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, output: () => output, stop });
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => reject(new Error(`the Next server for ${dir} exited (${code ?? signal}) before listening:\n${output}`)));
  });
}
