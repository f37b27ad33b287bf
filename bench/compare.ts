// A/B mode: `npx tsx bench/compare.ts --against <git-ref> [--rows topic-memory,topic-redis]
// [--samples N] [--quick] [--subscribers N] [--messages N] [--rate N] [--out dir] [--name base]`.
// Builds the current checkout and <git-ref> (extracted into a scratch directory, removed
// afterwards even on failure), then measures each row's arms (a build plus settings such as
// history on/off) with this checkout's measuring code, every round running every arm once in
// rotated order. Writes ab-<commit>.{json,md} (or <name>.{json,md}): medians per arm, the ratios
// current ÷ baseline with their per-round range. `--render file.json` renders one again.
import { rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { redisServer } from '../test/helpers/external-programs.js';
import { prepareBuilds, removeScratch } from './compare/checkout.js';
import { renderCompareMarkdown, rowResult, type CompareResults, type Rounds } from './compare/report.js';
import { HISTORY, ROWS, sampleArm, type RowDef } from './compare/rows.js';
import { describeMachine } from './results.js';
import { rotate } from './stats.js';
import { TOPICS_FULL, TOPICS_QUICK } from './topics.js';

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    rows: { type: 'string' },
    samples: { type: 'string' },
    // The load of one sample, over the --quick or full topics settings (bench/topics.ts).
    subscribers: { type: 'string' },
    messages: { type: 'string' },
    rate: { type: 'string' },
    name: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    render: { type: 'string' },
  },
});

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const resultsDir = path.join(repo, 'bench', 'results');
// A quick run is a smoke test: it must never overwrite the committed report of a full run.
const outDir = values.out ?? (values.quick ? path.join(resultsDir, 'quick') : resultsDir);

async function write(results: CompareResults): Promise<void> {
  const base = path.join(outDir, values.name ?? `ab-${results.against.commit}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderCompareMarkdown(results);
  await writeFile(`${base}.md`, markdown);
  console.log(markdown);
  console.log(`Wrote ${path.relative(process.cwd(), base)}.{json,md}`);
}

function chosenRows(log: (line: string) => void): RowDef[] {
  const wanted = values.rows?.split(',') ?? ROWS.map((row) => row.id);
  const unknown = wanted.filter((id) => !ROWS.some((row) => row.id === id));
  if (unknown.length > 0) throw new Error(`unknown rows ${unknown.join(', ')}; known: ${ROWS.map((row) => row.id).join(', ')}`);
  return ROWS.filter((row) => {
    if (!wanted.includes(row.id)) return false;
    if (row.backend !== 'redis' || redisServer.path() !== undefined) return true;
    // Asked for by name, a missing redis-server is an error; by default the row is left out, saying why.
    if (values.rows !== undefined) throw new Error(`${row.id} needs redis-server: ${redisServer.install}`);
    log(`  ${row.id} left out: redis-server is not installed (${redisServer.install})`);
    return false;
  });
}

function count(option: 'samples' | 'subscribers' | 'messages' | 'rate', otherwise: number): number {
  const value = Number(values[option] ?? otherwise);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${option} must be a positive integer, not ${values[option]}`);
  return value;
}

async function measure(against: string, log: (line: string) => void): Promise<CompareResults> {
  const quick = values.quick;
  const base = quick ? TOPICS_QUICK : TOPICS_FULL;
  const samples = count('samples', quick ? 2 : 7);
  const latency = { subscribers: count('subscribers', base.latency.subscribers), messages: count('messages', base.latency.messages), rate: count('rate', base.latency.rate) };
  const settings = { ...base, latency };
  const rows = chosenRows(log);
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const scratch: string[] = [];
  // Removed even when the run is interrupted: a signal skips the finally below.
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const builds = await prepareBuilds(repo, against, scratch, log);
    const commits = { baseline: builds.baseline.commit, current: builds.current.commit };
    const results: CompareResults['rows'] = [];
    for (const row of rows) {
      const rounds: Rounds = [];
      const failures = new Map<string, string[]>();
      for (let round = 0; round < samples; round++) {
        const measured: Rounds[number] = new Map();
        for (const arm of rotate(row.arms, round)) {
          try {
            const sample = await sampleArm(row, arm, builds[arm.side], settings);
            measured.set(arm.name, sample);
            log(`  ${row.id} [${round + 1}] ${arm.name}: p50 ${sample.p50Ms.toFixed(3)} ms, p99 ${sample.p99Ms.toFixed(3)} ms, CPU ${sample.cpuPerMessageUs.toFixed(1)} µs/msg`);
          } catch (error) {
            const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
            failures.set(arm.name, [...(failures.get(arm.name) ?? []), why]);
            log(`  ${row.id} [${round + 1}] ${arm.name}: FAILED ${why}`);
          }
        }
        rounds.push(measured);
      }
      results.push(rowResult(row, rounds, commits, failures));
    }
    const { subscribers, messages, rate } = settings.latency;
    return {
      kind: 'ab-compare',
      mode: quick ? 'quick' : 'full',
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      machine: describeMachine(),
      loadAverage: { start: loadAtStart, end: os.loadavg() },
      against: { ref: against, commit: builds.baseline.commit },
      current: { commit: builds.current.commit },
      settings: { samples, subscribers, messages, rate, history: HISTORY },
      command: `npx tsx bench/compare.ts ${process.argv.slice(2).filter((arg, i, args) => arg !== '--out' && args[i - 1] !== '--out').join(' ')}`.trim(),
      rows: results,
    };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await removeScratch(scratch);
  }
}

const began = performance.now();
const log = (line: string): void => console.error(`${((performance.now() - began) / 1000).toFixed(1).padStart(6)}s ${line}`);
if (values.render !== undefined) {
  await write(JSON.parse(await readFile(values.render, 'utf8')) as CompareResults);
} else {
  if (values.against === undefined) throw new Error('usage: npx tsx bench/compare.ts --against <git-ref> [--rows id,id] [--samples N] [--quick] [--subscribers N] [--messages N] [--rate N] [--out dir] [--name base]');
  await write(await measure(values.against, log));
}
