// The A/B mode of the bench (bench/compare.ts) runs end to end: it extracts and builds a git ref
// beside the working tree, measures every arm of a row from both builds, writes its report, and
// leaves no scratch directory behind. Against HEAD, so both builds exist and it stays quick;
// no timing assertions: the numbers belong to the report, not to the test.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CompareResults } from '../bench/compare/report.js';
import { FIGURES, ROWS } from '../bench/compare/rows.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

/** The scratch directories an A/B run may make (see bench/compare/checkout.ts). */
async function scratchDirs(): Promise<string[]> {
  const list = async (dir: string, prefix: string) =>
    (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(prefix)).map((name) => path.join(dir, name));
  return [...(await list(os.tmpdir(), 'upsocket-baseline-')), ...(await list(path.join(repo, 'bench', 'results', 'tmp'), 'ab-current-'))];
}

describe('npx tsx bench/compare.ts --against <ref>', () => {
  it('measures each arm of the memory row from its own build, reports medians and ratios, and removes its scratch', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'upsocket-compare-'));
    const before = await scratchDirs();
    try {
      const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo })).stdout.trim();
      await run(process.execPath, ['--import', 'tsx', 'bench/compare.ts', '--against', 'HEAD', '--quick', '--samples', '1', '--rows', 'topic-memory', '--out', out], {
        cwd: repo,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 110_000,
      });
      const results = JSON.parse(await readFile(path.join(out, `ab-${head}.json`), 'utf8')) as CompareResults;
      expect(results.against).toEqual({ ref: 'HEAD', commit: head });
      expect(results.current.commit.startsWith(head)).toBe(true);
      expect(results.rows.map((row) => row.id)).toEqual(['topic-memory']);
      const [row] = results.rows;
      const defined = ROWS.find((candidate) => candidate.id === 'topic-memory')!;
      expect(row!.arms.map((arm) => arm.name)).toEqual(defined.arms.map((arm) => arm.name));
      for (const arm of row!.arms) {
        // One sample each, every delivery in (a sample that loses one fails), none failed.
        expect(arm.failures, arm.name).toEqual([]);
        for (const { key } of FIGURES) expect(arm.figures[key].samples, `${arm.name} ${key}`).toHaveLength(1);
        expect(arm.figures.p50Ms.median).toBeGreaterThan(0);
        expect(arm.figures.p99Ms.median).toBeGreaterThanOrEqual(arm.figures.p50Ms.median);
        // The server processes did the work: CPU was spent on every message.
        expect(arm.figures.cpuPerMessageUs.median).toBeGreaterThan(0);
      }
      expect(row!.ratios.map((ratio) => [ratio.over, ratio.under])).toEqual(defined.comparisons.map((c) => [c.over, c.under]));
      for (const ratio of row!.ratios) {
        for (const { key } of FIGURES) expect(Number.isFinite(ratio.figures[key].ratio) && ratio.figures[key].ratio > 0, `${key} ${JSON.stringify(ratio)}`).toBe(true);
      }
      const markdown = await readFile(path.join(out, `ab-${head}.md`), 'utf8');
      expect(markdown).toContain(`## ${defined.label}`);
      expect(markdown).toContain('| baseline, history off |');
      expect(markdown).toContain('Reproduce: `npx tsx bench/compare.ts --against HEAD');
      expect(await scratchDirs()).toEqual(before);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('fails for a ref git does not know, making nothing', async () => {
    const before = await scratchDirs();
    await expect(run(process.execPath, ['--import', 'tsx', 'bench/compare.ts', '--against', 'no-such-ref-anywhere'], { cwd: repo })).rejects.toThrow(/no-such-ref-anywhere/);
    expect(await scratchDirs()).toEqual(before);
  });
});
