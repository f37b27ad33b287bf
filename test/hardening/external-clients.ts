import { accessSync, constants } from 'node:fs';
import { describe } from 'vitest';

/**
 * Set by `.ci/run`: the clients that are not npm packages (Chromium, Python's websockets) must
 * then be installed, and their tests fail rather than skip when they are not.
 */
export const EXTERNAL_CLIENTS_FLAG = 'UPSOCKET_EXTERNAL_CLIENTS';
const required = process.env[EXTERNAL_CLIENTS_FLAG] === '1';

/** The Debian interpreter: a `python3` earlier on PATH (pyenv) may not see Debian's modules. */
export const PYTHON = '/usr/bin/python3';
export const CHROMIUM = '/usr/bin/chromium';

/**
 * `describe` for tests that drive a client installed outside npm. Without the flag they are
 * skipped, saying how to run them; with it they run, and `requireExecutable()` fails each test
 * whose tool is missing.
 */
export function describeExternal(name: string, body: () => void): void {
  if (required) describe(name, body);
  else describe.skip(`${name} (skipped: set ${EXTERNAL_CLIENTS_FLAG}=1 to run; .ci/run does)`, body);
}

/** Throws, naming the Debian package to install, when `path` is not an executable. */
export function requireExecutable(path: string, debianPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${EXTERNAL_CLIENTS_FLAG}=1 but ${path} is missing: apt-get install -y ${debianPackage}`);
  }
}
