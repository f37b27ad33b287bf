import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A user's project type-checks the quick starts against the packed package, under the tsconfigs
// users actually have. Inside the repo, tsconfig `paths` map `upsocket/*` to src/ under the repo's
// own options, which hides what a consumer sees: the published .d.ts files, their exports map and
// the consumer's compiler options. Like test/package/package.test.ts, this needs dist/ built first.
const root = join(import.meta.dirname, '../..');
const quickstarts = join(root, 'examples/quickstart');
const ourModules = join(root, 'node_modules');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// Every .ts file under examples/quickstart, so snippets added there are checked without editing this test.
const snippets = readdirSync(quickstarts).filter((file) => file.endsWith('.ts'));
// Examples the README embeds whole, as a user would copy them: the name each gets in the project.
const recipes: Record<string, string> = { 'express-chat.ts': join(root, 'examples/express-chat/server.ts') };
const sources = { ...Object.fromEntries(snippets.map((file) => [file, join(quickstarts, file)])), ...recipes };

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'upsocket-consumers-'));
  installPackedUpsocket(join(workspace, 'node_modules', 'upsocket'));
  for (const name of consumerDependencies()) link(name);
  // Exactly what `tsc --init` of our TypeScript writes; the projects below extend it.
  mkdirSync(join(workspace, 'init'));
  execFileSync(process.execPath, [tsc, '--init'], { cwd: join(workspace, 'init'), stdio: 'ignore' });
}, 60_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** `npm pack`, then extract the tarball as npm install would: only the files the package publishes. */
function installPackedUpsocket(target: string): void {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', workspace], { cwd: root, encoding: 'utf8' })) as [
    { filename: string },
  ];
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(workspace, packed.filename), '--strip-components=1', '-C', target]);
}

/**
 * What a user would have installed next to upsocket: each package the quick starts import, its
 * required peer dependencies (next needs react), and @types/node plus the @types package of each.
 * They are symlinks to our node_modules, so the packages' own dependencies resolve from there; upsocket
 * is the extracted tarball, so its declarations can see only what is linked here.
 */
function consumerDependencies(): Set<string> {
  const imported = Object.values(sources).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bfrom '([^']+)'/g)].map((match) => match[1] ?? ''),
  );
  const names = new Set(['@types/node']);
  for (const specifier of imported) {
    // A URL path is what a page imports (a comment's `from '/upsocket.js'`), not a package.
    if (specifier.startsWith('node:') || specifier.startsWith('/') || specifier === 'upsocket' || specifier.startsWith('upsocket/')) continue;
    const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const manifest = JSON.parse(readFileSync(join(ourModules, name, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    for (const dependency of [name, ...peers]) {
      names.add(dependency);
      const types = `@types/${dependency.replace(/^@(.*)\//, '$1__')}`;
      if (existsSync(join(ourModules, types))) names.add(types);
    }
  }
  return names;
}

function link(name: string): void {
  const target = join(workspace, 'node_modules', name);
  mkdirSync(join(target, '..'), { recursive: true });
  symlinkSync(join(ourModules, name), target, 'dir');
}

interface Consumer {
  /** package.json `type` of the consumer project: decides whether nodenext reads the files as ESM. */
  type: 'module' | 'commonjs';
  /** Overrides on top of the `tsc --init` defaults. */
  compilerOptions: Record<string, unknown>;
  /** Diagnostic codes that this setting reports whatever upsocket's types are (see the setting). */
  expected?: string[];
}

const consumers: Record<string, Consumer> = {
  // tsc --init writes `"types": []` (and says to add "node" for Node projects): the quick starts
  // are Node servers, so they need it. "type": "module" because the quick starts are ESM, as a
  // project that runs them with plain `node` would be.
  'tsc --init (nodenext, strict, exactOptionalPropertyTypes)': {
    type: 'module',
    compilerOptions: { types: ['node'] },
  },
  'module esnext, moduleResolution bundler': {
    type: 'module',
    compilerOptions: { types: ['node'], module: 'esnext', moduleResolution: 'bundler' },
  },
  // moduleResolution node (node10) ignores the exports map; upsocket's typesVersions are its way in.
  // A CommonJS project compiles its `import`s to require(), so it needs esModuleInterop for default
  // imports (express, koa, next) and cannot keep verbatimModuleSyntax (which forbids import syntax in
  // CommonJS output). Every quick start is compiled; a top-level await (next-server.ts, client.ts)
  // is TS1378, and a top-level for-await TS1432, under CommonJS whatever the types say, so those
  // codes alone are allowed: such a project awaits inside an async function instead.
  'module commonjs, moduleResolution node (node10)': {
    type: 'commonjs',
    compilerOptions: { types: ['node'], module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, verbatimModuleSyntax: false },
    // import.meta likewise (TS1343: the recipe finds its page with import.meta.dirname, where such a project has __dirname).
    expected: ['TS1378', 'TS1432', 'TS1343'],
  },
};

describe('a TypeScript project that installs the packed package', () => {
  it('compiles at least the quick starts the README embeds', () => {
    expect(snippets).toEqual(expect.arrayContaining(['node-http.ts', 'express.ts', 'koa.ts', 'next-server.ts', 'next-route.ts']));
  });

  it.each(Object.entries(consumers))('type-checks every quick start under %s', (_title, consumer) => {
    const project = mkdtempSync(join(workspace, 'project-'));
    for (const [file, source] of Object.entries(sources)) copyFileSync(source, join(project, file));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: consumer.type }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ extends: '../init/tsconfig.json', compilerOptions: consumer.compilerOptions, include: ['*.ts'] }),
    );
    const errors = typeErrors(project).filter((error) => !consumer.expected?.includes(error.code));
    expect(errors.map((error) => error.text).join('\n')).toBe('');
  }, 60_000);
});

interface Diagnostic {
  code: string;
  text: string;
}

/** Runs our TypeScript's `tsc --noEmit -p` and returns its errors, each with its continuation lines. */
function typeErrors(project: string): Diagnostic[] {
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', project], { encoding: 'utf8' });
  } catch (error) {
    output = (error as { stdout: string }).stdout;
    if (!output) throw error;
  }
  const errors: Diagnostic[] = [];
  for (const line of output.split('\n').filter(Boolean)) {
    const code = /\berror (TS\d+):/.exec(line)?.[1];
    if (code) errors.push({ code, text: line });
    else if (errors.length > 0) errors.at(-1)!.text += `\n${line}`;
    else errors.push({ code: 'unparsed', text: line });
  }
  return errors;
}
