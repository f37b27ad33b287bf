// What an A/B run (bench/compare.ts) found: per row and arm the samples of each figure with their
// median and range, and per comparison the ratio of the medians with the range of the per-round
// ratios (each round measures every arm once, back to back, so a round's ratio shares that
// moment's load on the machine).
import type { BenchResults } from '../results.js';
import { median } from '../stats.js';
import { FIGURES, warmupOf, type FigureKey, type RowDef, type Sample } from './rows.js';

export interface Spread {
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export interface ArmResult {
  name: string;
  /** The build's commit (`+dirty`: src/ had uncommitted changes). */
  commit: string;
  figures: Record<FigureKey, Spread>;
  /** Samples that failed, with why; they are left out of the figures. */
  failures: string[];
}

export interface Ratio {
  /** Median of `over` ÷ median of `under`. */
  ratio: number;
  /** The lowest and highest ratio of one round's samples. */
  roundMin: number;
  roundMax: number;
}

export interface RatioResult {
  over: string;
  under: string;
  meaning: string;
  figures: Record<FigureKey, Ratio>;
}

export interface CompareResults {
  kind: 'ab-compare';
  mode: 'full' | 'quick';
  startedAt: string;
  durationSeconds: number;
  machine: BenchResults['machine'];
  /** Load averages (1, 5, 15 minutes) before the first sample and after the last. */
  loadAverage: { start: number[]; end: number[] };
  against: { ref: string; commit: string };
  current: { commit: string };
  settings: { samples: number; subscribers: number; messages: number; rate: number; history: number };
  command: string;
  rows: { id: string; label: string; backend: string; arms: ArmResult[]; ratios: RatioResult[] }[];
}

/** Per round, the sample of each arm (none where that sample failed). */
export type Rounds = Map<string, Sample>[];

function spread(samples: number[]): Spread {
  return { samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

function ratio(rounds: Rounds, over: string, under: string, key: FigureKey): Ratio {
  const values = (arm: string): number[] => rounds.flatMap((round) => round.get(arm)?.[key] ?? []);
  const perRound = rounds.flatMap((round) => {
    const a = round.get(over)?.[key];
    const b = round.get(under)?.[key];
    return a === undefined || b === undefined ? [] : [a / b];
  });
  return { ratio: median(values(over)) / median(values(under)), roundMin: Math.min(...perRound), roundMax: Math.max(...perRound) };
}

const byFigure = <T>(make: (key: FigureKey) => T): Record<FigureKey, T> =>
  Object.fromEntries(FIGURES.map(({ key }) => [key, make(key)])) as Record<FigureKey, T>;

export function rowResult(row: RowDef, rounds: Rounds, commits: Record<string, string>, failures: Map<string, string[]>): CompareResults['rows'][number] {
  const arms = row.arms.map((arm) => {
    const samples = rounds.flatMap((round) => round.get(arm.name) ?? []);
    return {
      name: arm.name,
      commit: commits[arm.side]!,
      figures: byFigure((key) => spread(samples.map((sample) => sample[key]))),
      failures: failures.get(arm.name) ?? [],
    };
  });
  const ratios = row.comparisons.map(({ over, under, meaning }) => ({ over, under, meaning, figures: byFigure((key) => ratio(rounds, over, under, key)) }));
  return { id: row.id, label: row.label, backend: row.backend, arms, ratios };
}

const times = (value: number): string => `${value.toFixed(2)}×`;
const load = (values: number[]): string => values.map((value) => value.toFixed(2)).join(' / ');

export function renderCompareMarkdown(results: CompareResults): string {
  const { machine, settings } = results;
  const lines = [
    `# A/B: current (${results.current.commit}) against ${results.against.ref} (${results.against.commit})`,
    '',
    `${results.mode} run, ${results.startedAt}, ${results.durationSeconds} s. ${settings.samples} round(s); each round runs every arm once, in rotated order. ` +
      `A sample: a fresh server process loading its build's dist/, ${settings.subscribers} subscribers, a warm-up of ${warmupOf(settings.messages)} messages not counted, ` +
      `then ${settings.messages} messages at ${settings.rate}/s; p50 and p99 over every delivery, and the CPU time of the sample's upsocket processes ` +
      `(the server, and via Redis also the publishing process) per message. History on keeps ${settings.history} messages per topic.`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. ` +
      `Load average (1/5/15 min) ${load(results.loadAverage.start)} before, ${load(results.loadAverage.end)} after.`,
    '',
    `Reproduce: \`${results.command}\``,
  ];
  const heads = FIGURES.map(({ label }) => label);
  for (const row of results.rows) {
    lines.push('', `## ${row.label}`, '', `| Arm | commit | ${heads.map((head) => `${head}: median (min–max)`).join(' | ')} | failed samples |`, `|---|---|${heads.map(() => '---|').join('')}---|`);
    for (const arm of row.arms) {
      const cells = FIGURES.map(({ key, digits }) => {
        const s = arm.figures[key];
        return s.samples.length === 0 ? 'n/a' : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
      });
      lines.push(`| ${arm.name} | ${arm.commit} | ${cells.join(' | ')} | ${arm.failures.length} |`);
    }
    lines.push('', `| Ratio | ${heads.map((head) => `${head.split(',')[0]}: ratio (per-round min–max)`).join(' | ')} |`, `|---|${heads.map(() => '---|').join('')}`);
    for (const r of row.ratios) {
      const cells = FIGURES.map(({ key }) => {
        const x = r.figures[key];
        return Number.isFinite(x.ratio) ? `${times(x.ratio)} (${times(x.roundMin)}–${times(x.roundMax)})` : 'n/a';
      });
      lines.push(`| ${r.over} ÷ ${r.under}: ${r.meaning} | ${cells.join(' | ')} |`);
    }
    for (const arm of row.arms) for (const failure of arm.failures) lines.push('', `- ${arm.name} failed: ${failure}`);
  }
  return `${lines.join('\n')}\n`;
}
