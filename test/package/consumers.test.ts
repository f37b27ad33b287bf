import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A user's project type-checks the quick starts against the packed package, under the tsconfigs
// users actually have. Inside the repo, tsconfig `paths` map `upsocket/*` to src/ under the repo's
// own options, which hides what a consumer sees: the published .d.ts files, their exports map and
// the consumer's compiler options. Like test/package/package.test.ts, this needs dist/ built first.
const root = join(import.meta.dirname, '../..');
const quickstarts = join(root, 'examples/quickstart');
const ourModules = join(root, 'node_modules');
const resolve = createRequire(import.meta.url).resolve;

/** A package's `tsc` as npm links it into node_modules/.bin: its manifest's bin (TypeScript 7 exports no `./bin/tsc`). */
function tscOf(name: string): string {
  const manifest = resolve(`${name}/package.json`);
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { tsc: string } };
  return join(dirname(manifest), bin.tsc);
}

/**
 * The TypeScripts users have: 7, what `npm install typescript` gives today (the `typescript7` dev
 * dependency, an npm alias), and 5.x, what many projects still pin (our own `typescript`).
 */
const compilers = [
  { title: 'TypeScript 7', major: 7, tsc: tscOf('typescript7') },
  { title: 'TypeScript 5', major: 5, tsc: tscOf('typescript') },
] as const;
type Compiler = (typeof compilers)[number];

// Every .ts file under examples/quickstart, so snippets added there are checked without editing
// this test. They are ES modules; the .cts ones show CommonJS (`import x = require(…)`), which only
// a project compiling to CommonJS accepts.
const esmSnippets = readdirSync(quickstarts).filter((file) => file.endsWith('.ts'));
const commonjsSnippets = readdirSync(quickstarts).filter((file) => file.endsWith('.cts'));
const snippets = [...esmSnippets, ...commonjsSnippets];
// Examples the README embeds whole, as a user would copy them: the name each gets in the project.
const recipes: Record<string, string> = { 'express-chat.ts': join(root, 'examples/express-chat/server.ts') };
const sourceOf = (file: string): string => recipes[file] ?? join(quickstarts, file);

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'upsocket-consumers-'));
  installPackedUpsocket(join(workspace, 'node_modules', 'upsocket'));
  for (const name of consumerDependencies()) link(name);
  // Exactly what `tsc --init` of each TypeScript writes; the projects below extend it.
  for (const { major, tsc } of compilers) {
    mkdirSync(join(workspace, `init-${major}`));
    execFileSync(process.execPath, [tsc, '--init'], { cwd: join(workspace, `init-${major}`), stdio: 'ignore' });
  }
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
  const imported = [...snippets, ...Object.keys(recipes)].map(sourceOf).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bfrom '([^']+)'/g)].map((match) => match[1] ?? ''),
  );
  const names = new Set(['@types/node']);
  for (const specifier of imported) {
    // A URL path is what a page imports (a comment's `from '/upsocket.js'`), not a package.
    if (specifier.startsWith('node:') || specifier.startsWith('/') || specifier === 'upsocket' || specifier.startsWith('upsocket/')) continue;
    const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const manifest = readManifest(name);
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    for (const dependency of [name, ...peers]) {
      names.add(dependency);
      // Only for a package without types of its own, as the README's install table says
      // (@koa/router 15 ships its own: its @types package, still among our dev dependencies, is not linked).
      const types = `@types/${dependency.replace(/^@(.*)\//, '$1__')}`;
      if (!shipsTypes(readManifest(dependency)) && existsSync(join(ourModules, types))) names.add(types);
    }
  }
  return names;
}

interface Manifest {
  types?: string;
  typings?: string;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readManifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(ourModules, name, 'package.json'), 'utf8')) as Manifest;
}

const shipsTypes = (manifest: Manifest): boolean => manifest.types !== undefined || manifest.typings !== undefined;

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
  /** Whether the project compiles to CommonJS, so that the CommonJS quick starts belong in it. */
  commonjs: boolean;
  /** Diagnostic codes that this setting reports whatever upsocket's types are (see the setting). */
  expected?: string[];
  /** The TypeScript majors that still accept the setting; all when absent. */
  only?: number[];
}

// A CommonJS project compiles its `import`s to require(), so its ES-module quick starts need
// esModuleInterop for default imports (express, koa, next) and cannot keep verbatimModuleSyntax
// (which forbids import syntax in CommonJS output); the .cts quick starts keep it. A top-level await
// (next-server.ts, client.ts) is TS1378 or TS1309, and a top-level for-await TS1432, under CommonJS whatever the
// types say, so those codes alone are allowed: such a project awaits inside an async function instead.
const commonjsProject = { types: ['node'], esModuleInterop: true, verbatimModuleSyntax: false };
// import.meta likewise (TS1343, and TS1470 under nodenext: the recipe finds its page with import.meta.dirname, where such a project has __dirname).
const topLevelAwait = ['TS1378', 'TS1432', 'TS1309', 'TS1343', 'TS1470'];

const consumers: Record<string, Consumer> = {
  // tsc --init writes `"types": []` (and says to add "node" for Node projects): the quick starts
  // are Node servers, so they need it (the test below shows what happens without). "type": "module"
  // because the quick starts are ESM, as a project that runs them with plain `node` would be; its
  // .cts files are CommonJS all the same.
  'tsc --init (nodenext, strict, exactOptionalPropertyTypes)': {
    type: 'module',
    compilerOptions: { types: ['node'] },
    commonjs: true,
  },
  'module esnext, moduleResolution bundler': {
    type: 'module',
    compilerOptions: { types: ['node'], module: 'esnext', moduleResolution: 'bundler' },
    commonjs: false,
  },
  // tsc --init's nodenext in a package without "type": "module": every .ts file is CommonJS.
  'tsc --init (nodenext) in a CommonJS package': {
    type: 'commonjs',
    compilerOptions: commonjsProject,
    commonjs: true,
    expected: topLevelAwait,
  },
  // moduleResolution node (node10) ignores the exports map; upsocket's typesVersions are its way in.
  // Next 15 writes it into a new app's tsconfig. TypeScript 7 removed it (TS5108).
  'module commonjs, moduleResolution node (node10)': {
    type: 'commonjs',
    compilerOptions: { ...commonjsProject, module: 'commonjs', moduleResolution: 'node' },
    commonjs: true,
    expected: topLevelAwait,
    only: [5],
  },
  // What replaces node10 for a CommonJS project on TypeScript 7 (TypeScript 5 wants module es2015+ for bundler).
  'module commonjs, moduleResolution bundler': {
    type: 'commonjs',
    compilerOptions: { ...commonjsProject, module: 'commonjs', moduleResolution: 'bundler' },
    commonjs: true,
    expected: topLevelAwait,
    only: [7],
  },
};

/** A project beside the packed package, with these quick starts and a tsconfig extending `tsc --init`'s. */
function project(compiler: Compiler, type: Consumer['type'], compilerOptions: Record<string, unknown>, files: string[]): string {
  const directory = mkdtempSync(join(workspace, 'project-'));
  for (const file of files) copyFileSync(sourceOf(file), join(directory, file));
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  const tsconfig = { extends: `../init-${compiler.major}/tsconfig.json`, compilerOptions, files };
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify(tsconfig));
  return directory;
}

describe('a TypeScript project that installs the packed package', () => {
  it('compiles at least the quick starts the README embeds', () => {
    expect(snippets).toEqual(
      expect.arrayContaining(['node-http.ts', 'express.ts', 'koa.ts', 'next-server.ts', 'next-route.ts', 'node-http-commonjs.cts']),
    );
  });

  describe.each(compilers)('on $title', (compiler) => {
    it('is that major', () => {
      const version = execFileSync(process.execPath, [compiler.tsc, '--version'], { encoding: 'utf8' });
      expect(version).toMatch(new RegExp(`^Version ${compiler.major}\\.`));
    });

    // What the docs tell users: `tsc --init` writes `"types": []`, so @types/node is not loaded and
    // `import http from 'node:http'` does not resolve until "node" is added to types.
    it('cannot find node:http under the bare tsc --init output', () => {
      const directory = project(compiler, 'module', {}, ['node-http.ts']);
      const missing = compiler.major >= 7 ? 'TS2591' : 'TS2307';
      expect(typeErrors(compiler, directory)[0]?.text).toMatch(new RegExp(`^node-http\\.ts\\(1,18\\): error ${missing}: Cannot find .*'node:http'`));
    });

    const settings = Object.entries(consumers).filter(([, consumer]) => consumer.only?.includes(compiler.major) ?? true);
    it.each(settings)('type-checks every quick start under %s', (_title, consumer) => {
      const files = [...(consumer.commonjs ? snippets : esmSnippets), ...Object.keys(recipes)];
      const directory = project(compiler, consumer.type, consumer.compilerOptions, files);
      const errors = typeErrors(compiler, directory).filter((error) => !consumer.expected?.includes(error.code));
      expect(errors.map((error) => error.text).join('\n')).toBe('');
    }, 60_000);
  });
});

interface Diagnostic {
  code: string;
  text: string;
}

/** Runs `tsc --noEmit -p` and returns its errors, each with its continuation lines. */
function typeErrors({ tsc }: Compiler, project: string): Diagnostic[] {
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', '.'], { cwd: project, encoding: 'utf8' });
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
