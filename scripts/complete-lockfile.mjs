#!/usr/bin/env node
// Completes package-lock.json with the other platforms' optional binaries (rollup's, esbuild's,
// Next's SWC) that npm left out because the registry mirror this project is built against lacks
// those versions. Without the entries, `npm ci` rejects the lockfile as out of sync; with them, npm
// skips the packages on platforms they are not for, as it always does for optional binaries.
// Run after any `npm install` that rewrites the lockfile: `node scripts/complete-lockfile.mjs`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;

/** The newest version matching `spec` (lockfile entries need exact versions). */
function exact(name, spec) {
  if (/^\d+\.\d+\.\d+/.test(spec)) return spec;
  const out = execFileSync('npm', ['view', `${name}@${spec}`, 'version', '--json'], { encoding: 'utf8' });
  const versions = [JSON.parse(out)].flat();
  return versions[versions.length - 1];
}

for (const [path, entry] of Object.entries(packages)) {
  for (let [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]?.version === version) continue;
    version = exact(name, version);
    // Hoist when the top level is free, otherwise nest it under its dependent, as npm would.
    const place = packages[hoisted] ? nested : hoisted;
    packages[place] = { version, optional: true };
    added++;
  }
}

writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
