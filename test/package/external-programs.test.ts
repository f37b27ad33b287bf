import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as programs from '../helpers/external-programs.js';

// A program declared for a suite but not installed by CI would leave that suite skipped there;
// `.ci/run` and docs/development.md each give the one apt-get line that installs them all.
const root = join(import.meta.dirname, '../..');
const declared = Object.values(programs)
  .filter((value): value is programs.ExternalProgram => typeof value === 'object' && value !== null && 'install' in value)
  .map((program) => program.install.replace('apt-get install -y ', ''));

function aptPackages(text: string): string[] {
  const line = /apt-get install -y --no-install-recommends ([a-z0-9 .+-]+)/.exec(text)?.[1] ?? '';
  return line.trim().split(/\s+/);
}

it.each([['.ci/run'], ['docs/development.md']])('%s installs the Debian package of every external program', (file) => {
  expect(declared.length).toBeGreaterThan(5);
  expect(aptPackages(readFileSync(join(root, file), 'utf8')).sort()).toEqual([...new Set(declared)].sort());
});
