// The per-connection targets (issue 13) as figures from one run: each a ratio or difference
// between two servers measured side by side, with the bar it must meet and the goal beyond it.
import type { BenchResults } from '../results.js';

export interface Target {
  label: string;
  /** The figure from this run, formatted, or "not measured". */
  figure: string;
  bar: string;
  goal: string;
  /** Whether the bar is met; undefined when a figure is missing. */
  met: boolean | undefined;
}

function value(results: BenchResults, metric: string, server: string): number | undefined {
  return results.metrics.find((row) => row.id === metric)?.cells[server]?.value;
}

function ratio(results: BenchResults, metric: string, server: string, anchor: string): number | undefined {
  const mine = value(results, metric, server);
  const theirs = value(results, metric, anchor);
  return mine === undefined || theirs === undefined || theirs <= 0 ? undefined : mine / theirs;
}

function difference(results: BenchResults, metric: string, server: string, anchor: string): number | undefined {
  const mine = value(results, metric, server);
  const theirs = value(results, metric, anchor);
  return mine === undefined || theirs === undefined ? undefined : mine - theirs;
}

function target(label: string, figure: number | undefined, format: (n: number) => string, bar: number, goal: string, barText: string): Target {
  return { label, figure: figure === undefined ? 'not measured' : format(figure), bar: barText, goal, met: figure === undefined ? undefined : figure <= bar };
}

const times = (n: number): string => `${n.toFixed(2)}×`;
const kib = (n: number): string => `${n >= 0 ? '+' : ''}${(n / 1024).toFixed(2)} KiB`;
const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The targets for upsocket's Express adapter, the reference row, against its anchors. */
export function targets(results: BenchResults, server = 'upsocket-express'): Target[] {
  const connections = results.settings.idle.connections;
  return [
    target('CPU per echoed 64 B message ÷ raw ws', ratio(results, 'cpu-text64', server, 'ws'), times, 1, '≤ 1.00×', '≤ 1.00×'),
    target('Server CPU per handshake ÷ express-ws', ratio(results, 'handshake-cpu', server, 'express-ws'), times, 1, '≤ 0.83×', '≤ 1.00×'),
    target('Instructions per handshake ÷ express-ws (callgrind)', ratio(results, 'handshake-instructions', server, 'express-ws'), times, 1, '≤ 0.83×', '≤ 1.00×'),
    target('Heap per idle connection − raw ws', difference(results, 'memory-heap', server, 'ws'), kib, 2048, '≤ +1 KiB', '≤ +2 KiB'),
    target('RSS per idle connection − raw ws', difference(results, 'memory-rss', server, 'ws'), kib, Number.POSITIVE_INFINITY, 'reported', 'reported'),
    target(`Event-loop delay max during heartbeat rounds, ${connections} idle connections`, value(results, 'heartbeat-loop-max', server), ms, 20, '≤ 10 ms', '≤ 20 ms'),
    target(`Event-loop delay p99 during heartbeat rounds, ${connections} idle connections`, value(results, 'heartbeat-loop-p99', server), ms, 20, '≤ 10 ms', '≤ 20 ms'),
  ];
}

function verdict(item: Target): string {
  return item.met === undefined ? '–' : item.met ? 'met' : 'NOT met';
}

/** Lines for the console table and the Markdown report. */
export function renderTargets(results: BenchResults, markdown: boolean): string[] {
  const items = targets(results);
  if (markdown) {
    return [
      '| upsocket express | this run | bar | goal | bar met |',
      '| --- | ---: | ---: | ---: | --- |',
      ...items.map((item) => `| ${item.label} | ${item.figure} | ${item.bar} | ${item.goal} | ${verdict(item)} |`),
    ];
  }
  return items.map((item) => `${item.label}: ${item.figure} (bar ${item.bar}, goal ${item.goal}: ${verdict(item)})`);
}
