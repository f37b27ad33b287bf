// The cost of observing a server (issue 15): CPU per echoed 64 B message with a diagnostics
// subscriber attached (stats(), OTel instrument()), as a ratio to the same server with none,
// all measured in the same rounds.
import { CONTROL, type BenchResults } from '../results.js';

export interface ObservabilityLine {
  label: string;
  /** µs per echoed message, or undefined when not measured. */
  cpu: number | undefined;
  /** ÷ the same server with no subscriber. */
  toBase: number | undefined;
  /** ÷ raw ws. */
  toControl: number | undefined;
}

function cpu(results: BenchResults, server: string): number | undefined {
  return results.metrics.find((row) => row.id === 'cpu-text64')?.cells[server]?.value;
}

const divide = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b <= 0 ? undefined : a / b);

/** One line for each base server with variants, then one per variant. */
export function observabilityLines(results: BenchResults): ObservabilityLine[] {
  const variants = results.variants ?? [];
  const control = cpu(results, CONTROL);
  const lines: ObservabilityLine[] = [];
  for (const base of results.servers.filter((entry) => variants.some((variant) => variant.variantOf === entry.name))) {
    const own = cpu(results, base.name);
    lines.push({ label: `${base.label}, no subscriber`, cpu: own, toBase: own === undefined ? undefined : 1, toControl: divide(own, control) });
    for (const variant of variants.filter((entry) => entry.variantOf === base.name)) {
      const theirs = cpu(results, variant.name);
      lines.push({ label: variant.label, cpu: theirs, toBase: divide(theirs, own), toControl: divide(theirs, control) });
    }
  }
  return lines;
}

const show = (n: number | undefined, digits: number, suffix = ''): string => (n === undefined ? 'not measured' : `${n.toFixed(digits)}${suffix}`);

/** Lines for the console table and the Markdown report; none when no variant ran. */
export function renderObservability(results: BenchResults, markdown: boolean): string[] {
  const lines = observabilityLines(results);
  if (lines.length === 0) return [];
  if (markdown) {
    return [
      '| CPU per echo, 64 B text | µs/msg | ÷ no subscriber | ÷ raw ws |',
      '| --- | ---: | ---: | ---: |',
      ...lines.map((line) => `| ${line.label} | ${show(line.cpu, 2)} | ${show(line.toBase, 2, '×')} | ${show(line.toControl, 2, '×')} |`),
    ];
  }
  return lines.map((line) => `${line.label}: ${show(line.cpu, 2)} µs/msg (${show(line.toBase, 2, '×')} of no subscriber, ${show(line.toControl, 2, '×')} of raw ws)`);
}
