import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entries, files } from '../../tsup.config.js';

// `npm test` builds dist/ before running vitest; these tests check what would be published.
const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  exports: Record<string, string | { import: { types: string; default: string }; require: { types: string; default: string } }>;
  typesVersions: Record<string, Record<string, string[]>>;
};
// Modules (import and require conditions, with types) and files exported as they are (a string target).
const subpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json' && typeof pkg.exports[subpath] !== 'string');
const fileSubpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json' && typeof pkg.exports[subpath] === 'string');
const specifier = (subpath: string) => (subpath === '.' ? 'upsocket' : `upsocket/${subpath.slice(2)}`);

function conditionsOf(subpath: string) {
  const target = pkg.exports[subpath];
  if (target === undefined || typeof target === 'string') throw new Error(`${subpath} must have import and require conditions`);
  return target;
}

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

describe('the published package', () => {
  it('has one build entry per subpath export, and no other', () => {
    const fromExports = subpaths.map((subpath) => {
      const target = conditionsOf(subpath);
      const base = target.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
      expect(target).toEqual({
        import: { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` },
        require: { types: `./dist/${base}.d.cts`, default: `./dist/${base}.cjs` },
      });
      return base;
    });
    expect(fromExports.sort()).toEqual(Object.keys(entries).sort());
    const fileExports = fileSubpaths.map((subpath) => String(pkg.exports[subpath]).replace(/^\.\/dist\//, '').replace(/\.js$/, ''));
    expect(fileExports.sort()).toEqual(Object.keys(files).sort());
    for (const subpath of fileSubpaths) expect(pkg.exports[subpath]).toBe(`./dist${subpath.slice(1)}`);
  });

  // tsup's Rollup tree-shaking pass appended a second comment to every file (issue 23).
  it('ends every built script with exactly one sourceMappingURL, naming its own map', () => {
    const scripts = readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => /\.c?js$/.test(file));
    expect(scripts).toContain('browser.min.js');
    for (const file of scripts) {
      const comments = [...readFileSync(join(root, 'dist', file), 'utf8').matchAll(/\/\/# sourceMappingURL=(\S*)/g)].map((match) => match[1]);
      expect(comments, file).toEqual([`${basename(file)}.map`]);
    }
  });

  it('ships the browser client as one self-contained minified ES module, found through browserClientFile', () => {
    const file = join(root, 'dist/browser.min.js');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\bimport\s*[{*"'\w]|\brequire\(/);
    // Presence (issue 26: the members list and its events) took it from 6.3 to 8.2 KB, 2.5 to 3.2 KB gzipped.
    expect(text.length).toBeLessThan(9 * 1024);
    expect(gzipSync(text).length).toBeLessThan(3.5 * 1024);
    // Node imports it as a browser would: the same names as upsocket/browser.
    const esm = (name: string) => node(['--input-type=module', '-e', `const m = await import('${name}'); console.log(Object.keys(m).sort().join())`]);
    expect(esm('upsocket/browser.min.js')).toBe(esm('upsocket/browser'));
    // require.resolve('upsocket/browser') is the CJS build; the file's own export and browserClientFile are this one.
    expect(node(['-e', `console.log(require.resolve('upsocket/browser.min.js'))`]).trim()).toBe(file);
    for (const subpath of ['.', './node-http', './express', './koa', './next']) {
      const name = specifier(subpath);
      expect(node(['--input-type=module', '-e', `console.log((await import('${name}')).browserClientFile)`]).trim(), name).toBe(file);
      expect(node(['-e', `console.log(require('${name}').browserClientFile)`]).trim(), name).toBe(file);
    }
  });

  // moduleResolution node (node10) ignores `exports`; typesVersions is what finds a subpath's types there.
  it('points typesVersions at the same declarations as the exports map, for moduleResolution node', () => {
    const expected = Object.fromEntries(
      // A node10 project is CommonJS as a rule (Node resolves its require() to the .cjs build).
      subpaths.filter((subpath) => subpath !== '.').map((subpath) => [subpath.slice(2), [conditionsOf(subpath).require.types]]),
    );
    expect(pkg.typesVersions).toEqual({ '*': expected });
  });

  it('ships the MIT LICENSE', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    expect(packed.files.map((file) => file.path)).toContain('LICENSE');
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the upsocket authors\n/);
  });

  it.each(subpaths)('loads %s from both the ESM and the CJS build', (subpath) => {
    const name = specifier(subpath);
    const esm = node(['--input-type=module', '-e', `const m = await import('${name}'); console.log(Object.keys(m).sort().join())`]);
    const cjs = node(['-e', `console.log(Object.keys(require('${name}')).sort().join())`]);
    expect(cjs).toBe(esm);
    const keys = esm.trim().split(',');
    // Adapters re-export the core's attach and errors; a topics backend (dist/backends/) exports its
    // factory; the browser client is self-contained (nothing of the core); upsocket/otel exports instrument().
    if (JSON.stringify(pkg.exports[subpath]).includes('./dist/backends/')) {
      expect(keys.filter((key) => /^create\w+Backend$/.test(key))).toHaveLength(1);
    } else if (subpath === './browser') {
      expect(keys).toEqual(expect.arrayContaining(['connectResumable', 'ResumableClient']));
      expect(keys).not.toContain('attach');
    } else if (subpath === './otel') {
      expect(keys).toEqual(['instrument']);
    } else {
      expect(keys).toEqual(expect.arrayContaining(['attach', 'ClosedError']));
    }
  });

  it('publishes declarations that import nothing but node: builtins and each other', () => {
    const files = readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => /\.d\.c?ts$/.test(file));
    expect(files.length).toBeGreaterThanOrEqual(subpaths.length * 2);
    for (const file of files) {
      const text = readFileSync(join(root, 'dist', file), 'utf8');
      for (const [, from] of text.matchAll(/^(?:import|export)\b[^;]*?from ['"]([^'"]+)['"]/gm)) {
        expect(from, `${file} imports ${from}`).toMatch(/^(node:|\.\.?\/)/);
      }
    }
  });
});
