import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { beforeEach, describe, type SuiteOptions } from 'vitest';
import type { MissingProgram } from './missing-program.js';

/**
 * Set by `.ci/run`, which installs every program below first: a missing program then fails its
 * suite instead of skipping it, so CI cannot pass without having run them.
 */
export const EXTERNAL_PROGRAMS_FLAG = 'UPSOCKET_EXTERNAL_CLIENTS';

/** A program from outside npm that some suites run. */
export interface ExternalProgram {
  /** As messages name it: `redis-server`, `python3 with websockets`. */
  readonly name: string;
  /** The Debian/Ubuntu command that installs it (what `.ci/run` does). */
  readonly install: string;
  /** The command to run it by, or undefined when it is not installed. Probed once. */
  path(): string | undefined;
}

function program(name: string, debianPackage: string, candidates: string[], works: (candidate: string) => boolean): ExternalProgram {
  let found: { path: string | undefined } | undefined;
  return {
    name,
    install: `apt-get install -y ${debianPackage}`,
    path: () => (found ??= { path: candidates.find(works) }).path,
  };
}

/** Whether `command args` starts and exits with 0. */
const runs =
  (...args: string[]) =>
  (command: string): boolean => {
    try {
      execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const redisServer = program('redis-server', 'redis-server', ['redis-server'], runs('--version'));

/** Makes a Redis Cluster of redis-servers (test/helpers/redis-cluster.ts); Debian's redis-server depends on it. */
export const redisCli = program('redis-cli', 'redis-tools', ['redis-cli'], runs('--version'));

/**
 * Debian's interpreter first: a `python3` earlier on PATH (pyenv) may not see Debian's modules,
 * but one that has websockets of its own will do.
 */
export const pythonWebsockets = program(
  'python3 with websockets',
  'python3-websockets',
  ['/usr/bin/python3', 'python3'],
  runs('-c', 'import websockets'),
);

/** Where Debian puts it; playwright-core drives it (it downloads no browser of its own). */
export const chromium = program('chromium', 'chromium', ['/usr/bin/chromium'], isExecutable);

export const openssl = program('openssl', 'openssl', ['openssl'], runs('version'));

/** Counts the instructions of the bench's handshake row (bench/measure/instructions.ts); callgrind_control comes with it. */
export const valgrind = program('valgrind', 'valgrind', ['valgrind'], runs('--version'));

/** Runs docs/deployment.md's nginx configuration in front of an upsocket server (test/hardening/nginx.test.ts). */
export const nginx = program('nginx', 'nginx', ['nginx'], runs('-v'));

/** Runs docs/deployment.md's HAProxy configuration in front of upsocket servers (test/hardening/haproxy.test.ts). */
export const haproxy = program('haproxy', 'haproxy', ['haproxy'], runs('-v'));

/** The path of a program the suite checked for; throws if the suite did not. */
export function pathOf(needed: ExternalProgram): string {
  const path = needed.path();
  if (path === undefined) throw new Error(`${needed.name} is not installed: ${needed.install}`);
  return path;
}

/**
 * `describe` for a suite that runs programs from outside npm. All installed: it runs, flag or not.
 * One missing: skipped, its title and meta saying what is missing (test/helpers/skip-summary.ts
 * lists it after the run); with `UPSOCKET_EXTERNAL_CLIENTS=1`, every test fails instead, naming
 * the program and its install command.
 */
export function describeNeeding(title: string, options: SuiteOptions & { needs: ExternalProgram[] }, body: () => void): void {
  const { needs, ...suiteOptions } = options;
  const missing: MissingProgram[] = needs
    .filter((needed) => needed.path() === undefined)
    .map(({ name, install }) => ({ name, install }));
  if (missing.length === 0) {
    describe(title, suiteOptions, body);
    return;
  }
  const what = missing.map(({ name }) => name).join(' and ');
  if (process.env[EXTERNAL_PROGRAMS_FLAG] !== '1') {
    const meta = { skippedForMissingPrograms: { suite: title, missing } };
    describe.skip(`${title} (skipped: ${what} missing)`, { ...suiteOptions, meta }, body);
    return;
  }
  const install = missing.map((program) => program.install).join('; ');
  describe(title, suiteOptions, () => {
    // Registered before the body's hooks, so no test starts a program that is not there.
    beforeEach(() => {
      throw new Error(`${EXTERNAL_PROGRAMS_FLAG}=1 but ${what} is not installed: ${install}`);
    });
    body();
  });
}
