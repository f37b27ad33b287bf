// The two builds an A/B run compares: the current checkout (working tree), and a git ref
// extracted (git archive) into a scratch directory: the system's temp directory when it is on the
// same file system as node_modules (so the ref's node_modules can be hard links), else
// bench/results/tmp/ (gitignored). Each is built by its own tsup with its own tsup.config.ts (what
// its `npm run build` runs) into a scratch dist/, JS only (--no-dts: the bench loads no types),
// and the bench imports each from there, so both sides load the same way and the checkout's own
// dist/ is left alone (tests may be reading it).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A built copy of upsocket whose dist/ the bench imports. */
export interface Build {
  side: 'baseline' | 'current';
  /** What was asked for (a git ref, or 'working tree'). */
  ref: string;
  /** The commit's short hash; the current side gets `+dirty` when src/ has uncommitted changes. */
  commit: string;
  dist: string;
}

export interface Builds {
  baseline: Build;
  current: Build;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })).stdout.trim();
}

/** `root`'s tsup, with `root`'s config, writing JS only to `outDir`. */
async function build(root: string, outDir: string, log: (line: string) => void): Promise<void> {
  const began = performance.now();
  await run(path.join(root, 'node_modules', '.bin', 'tsup'), ['--no-dts', '--out-dir', outDir], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  log(`  built ${path.relative(process.cwd(), outDir) || outDir} in ${((performance.now() - began) / 1000).toFixed(1)} s`);
}

/**
 * Whether the ref's lockfile asks for nothing the current node_modules lacks: every package path
 * it lists is installed here at the same version. Then hard links of node_modules are exactly
 * what `npm ci` would install (plus packages the ref never imports).
 */
async function lockfileCovered(repo: string, ref: string): Promise<boolean> {
  const theirs = JSON.parse(await git(repo, 'show', `${ref}:package-lock.json`)) as { packages: Record<string, { version?: string }> };
  const ours = JSON.parse(await readFile(path.join(repo, 'package-lock.json'), 'utf8')) as typeof theirs;
  return Object.entries(theirs.packages).every(([key, pkg]) => key === '' || ours.packages[key]?.version === pkg.version);
}

/** Removes the scratch directories `prepareBuilds()` made. */
export async function removeScratch(scratch: readonly string[]): Promise<void> {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * Extracts and builds `ref`, and builds the working tree. Each scratch directory is pushed onto
 * `scratch` as soon as it exists, so the caller can remove them in a `finally` (or on a signal)
 * however far this got.
 */
export async function prepareBuilds(repo: string, ref: string, scratch: string[], log: (line: string) => void): Promise<Builds> {
  const commit = await git(repo, 'rev-parse', '--short', `${ref}^{commit}`);
  const head = await git(repo, 'rev-parse', '--short', 'HEAD');
  const dirty = (await git(repo, 'status', '--porcelain', '--', 'src')) !== '';
  const inRepo = path.join(repo, 'bench', 'results', 'tmp');
  const sameDevice = (await stat(os.tmpdir())).dev === (await stat(path.join(repo, 'node_modules'))).dev;
  const made = async (parent: string, prefix: string): Promise<string> => {
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(path.join(parent, prefix));
    scratch.push(dir);
    return dir;
  };
  const root = await made(sameDevice ? os.tmpdir() : inRepo, `upsocket-baseline-${commit}-`);
  await run('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, root], { cwd: repo });
  if (await lockfileCovered(repo, commit)) {
    log(`  ${ref} (${commit}): its lockfile is covered by this node_modules; hard-linking it`);
    await run('cp', ['-al', path.join(repo, 'node_modules'), path.join(root, 'node_modules')]);
  } else {
    log(`  ${ref} (${commit}): its lockfile differs; npm ci`);
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  }
  await build(root, path.join(root, 'dist'), log);
  // Inside the checkout, so that the build's imports (ws, ioredis) resolve to its node_modules.
  const current = path.join(await made(inRepo, 'ab-current-'), 'dist');
  await build(repo, current, log);
  return {
    baseline: { side: 'baseline', ref, commit, dist: path.join(root, 'dist') },
    current: { side: 'current', ref: 'working tree', commit: dirty ? `${head}+dirty` : head, dist: current },
  };
}
