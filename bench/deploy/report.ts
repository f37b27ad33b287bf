// The deploy scenario's Markdown: one table, a row per phase and stack (stacks side by side
// within each phase), and the run's settings.
import type { ScenarioSettings, StackRecord } from './scenario.js';
import { renderPresence } from './presence-report.js';
import type { PresencePhaseSummary } from './presence-summary.js';
import { percentile, type PhaseSummary } from './summary.js';

/** Where the resume time went: until the attempt that worked started, and that attempt's handshake and replay. */
function split(resumeMs: readonly number[], waitMs: readonly number[] | undefined, arrivedMs: readonly number[] | undefined): string {
  if (waitMs === undefined || waitMs.length !== resumeMs.length || waitMs.length === 0) return '';
  const between = (from: readonly number[], to: readonly number[]): number[] => to.map((end, index) => end - from[index]!);
  const triple = (values: readonly number[]): string => `${ms(percentile(values, 50)!)} / ${ms(percentile(values, 99)!)} / ${ms(Math.max(...values))}`;
  const started = `; the attempt that worked started ${triple(waitMs)} ms (p50 / p99 / max) after the signal`;
  if (arrivedMs === undefined || arrivedMs.length !== resumeMs.length) return `${started}, then took ${triple(between(waitMs, resumeMs))} ms`;
  return `${started}, reached the server's app ${triple(between(waitMs, arrivedMs))} ms later, and was welcomed (replayed) back at the client ${triple(between(arrivedMs, resumeMs))} ms after that`;
}

const stackLabels: Record<string, string> = { upsocket: 'upsocket', socketio: 'socket.io 4.8' };

function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function refusedText(refused: Record<string, number>): string {
  const entries = Object.entries(refused).filter(([, count]) => count > 0);
  return entries.length === 0 ? '0' : entries.map(([status, count]) => `${count} × ${status}`).join(', ');
}

function row(stack: string, summary: PhaseSummary, clients: number): string {
  const resumed = summary.signals === 0 ? '–' : `${summary.resumed}/${summary.clients}`;
  return `| ${summary.phase} | ${stackLabels[stack] ?? stack} | ${summary.seconds.toFixed(1)} | ${summary.published} | ${summary.expected} | **${summary.lost}** (${summary.lostInGaps} in gaps) | **${summary.duplicated}** | ${summary.outOfOrder} | ${summary.gaps} | ${summary.subscribedAtEnd}/${clients} | ${resumed} | ${ms(summary.resumeMaxMs)} / ${ms(summary.resumeP99Ms)} | ${ms(summary.latencyP50Ms)} / ${ms(summary.latencyP99Ms)} | ${refusedText(summary.refused)} | ${ms(summary.survivorLoopDelayMaxMs)} | ${ms(summary.loadLoopDelayMaxMs)} | ${summary.rssPeakMb === undefined ? '–' : summary.rssPeakMb.toFixed(0)} |`;
}

/** The balancer's error log, counted by kind (nginx: the text before "while", numbers left out). */
function balancerErrors(log: string | undefined): string {
  if (log === undefined) return 'errors not collected';
  const kinds = new Map<string, number>();
  for (const line of log.split('\n')) {
    const kind = /\[(?:error|warn|alert|crit)\] [\d#*]+: (?:\*\d+ )?(.*?)(?:,| while |$)/.exec(line)?.[1]?.replace(/\d+/g, 'N');
    if (kind !== undefined) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  if (kinds.size === 0) return 'no errors';
  return [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([kind, count]) => `${count} × "${kind}"`).join(', ');
}

export interface DeployReport {
  name: string;
  command: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage: number[] };
  settings: ScenarioSettings;
  stacks: { record: StackRecord; summary: PhaseSummary[]; presence?: PresencePhaseSummary[] | undefined }[];
}

export function renderMarkdown(report: DeployReport): string {
  const { settings } = report;
  const phases = report.stacks[0]?.summary.map((summary) => summary.phase) ?? [];
  const lines = [
    `# Deploy scenario: ${report.name}`,
    '',
    `\`${report.command}\` on ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC; ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, load average ${report.machine.loadAverage.map((load) => load.toFixed(1)).join(' ')} at the start.`,
    '',
    `${settings.clients} clients in ${Math.ceil(settings.clients / settings.clientsPerLoad)} load processes, ${settings.servers} servers behind ${settings.balancer}, ` +
      `${settings.rate} msg/s over ${settings.topics} topics, ${settings.topicsPerClient} topic(s) per client, history ${settings.history} per topic in Redis; ` +
      `listen backlog ${settings.backlog ?? "Node's default (511)"}; upsocket's drain spread ${settings.spread === undefined ? 'its default' : `${settings.spread} ms`}; steady windows ${settings.steadyMs / 1000} s, quiesce ${settings.quiesceMs / 1000} s.`,
    '',
    '| phase | stack | s | published | deliveries expected | lost (in signalled gaps) | duplicated into the app | out of order | gaps signalled | clients subscribed at the end | clients resumed | resume max / p99 (ms, from the signal) | publish → delivery p50 / p99 (ms) | refused handshakes | survivors\' event-loop delay max (ms) | load processes\' event-loop delay max (ms) | server RSS peak (MB) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const phase of phases) {
    for (const { record, summary } of report.stacks) {
      const phaseSummary = summary.find((candidate) => candidate.phase === phase);
      if (phaseSummary !== undefined) lines.push(row(record.stack, phaseSummary, settings.clients));
    }
  }
  lines.push('');
  for (const { record } of report.stacks) {
    for (const signal of record.signals) {
      lines.push(`- ${stackLabels[record.stack]}, ${signal.phase}: ${signal.signal} ${signal.server} (${signal.clients} clients): exited after ${(signal.exitedAt - signal.at).toFixed(0)} ms, ${signal.resumeMs.length} resumed, the last ${ms(Math.max(0, ...signal.resumeMs))} ms after the signal${split(signal.resumeMs, signal.waitMs, signal.arrivedMs)}`);
    }
    for (const note of record.notes) lines.push(`- ${stackLabels[record.stack]}: ${note}`);
    lines.push(`- ${stackLabels[record.stack]}: the balancer: ${balancerErrors(record.balancerLog)}`);
  }
  for (const { record, presence } of report.stacks) if (presence !== undefined) lines.push('', ...renderPresence(stackLabels[record.stack] ?? record.stack, settings, presence, record.presence?.lists));
  lines.push('', 'Lost: seqs a client never received between its first one and the last published (after the client library\'s de-duplication; a client still away at the end, see "subscribed at the end", counts what it had not received yet); "in signalled gaps": the client had been told (upsocket `onGap`, socket.io `recovered === false`). Duplicated: a seq the app received twice. Resume: from the server\'s signal until the client was subscribed (replayed) on another server; a client that had not resumed within the timeout is missing from the count. Latency percentiles are over the deliveries of the phase, replays included.', '');
  return lines.join('\n');
}
