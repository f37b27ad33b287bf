import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarationFiles, exportedNames, root } from './public-api.js';

// The published names, per subpath, as committed in public-api.json. A change to the source layout
// must leave this list alone; a change to the API updates the file in the same commit, on purpose.
// `npm test` builds dist/ before vitest runs.
const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'public-api.json'), 'utf8')) as Record<string, string[]>;
const files = declarationFiles();
const names = exportedNames(Object.values(files).flatMap(({ esm, cjs }) => [esm, cjs]));

describe('the public API', () => {
  it('covers every subpath of the exports map', () => {
    expect(Object.keys(files).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s exports exactly the committed names, from both declaration files', (subpath) => {
    const { esm, cjs } = files[subpath]!;
    expect(names.get(esm)).toEqual(expected[subpath]);
    expect(names.get(cjs)).toEqual(expected[subpath]);
  });

  it.each(Object.keys(expected))('%s has no run-time export its declarations do not name', (subpath) => {
    const name = subpath === '.' ? 'upsocket' : `upsocket/${subpath.slice(2)}`;
    const script = `const m = await import('${name}'); console.log(Object.keys(m).join())`;
    const keys = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim().split(',');
    for (const key of keys) expect(expected[subpath], `${name} exports ${key} at run time`).toContain(key);
  });
});
