// The deploy scenario's timeline picture: per stack, connections per server process over time
// (each server's own count) and publish → delivery latency per second (p50 and p99, log scale),
// with the phases shaded and each signal marked.
import type { LatencySample } from './contract.js';
import type { DeployReport } from './report.js';
import type { StackRecord } from './scenario.js';
import { weightedPercentile } from './summary.js';

const WIDTH = 960;
const LEFT = 60;
const RIGHT = 110;
const PANEL = 150;
const GAP = 34;
const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function polyline(points: [number, number][], colour: string, dash = ''): string {
  if (points.length === 0) return '';
  const path = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.4"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/>`;
}

function stackPanels(record: StackRecord, label: string, top: number): string {
  const start = record.phases[0]?.startAt ?? record.startedAt;
  const end = record.phases.at(-1)?.endAt ?? start + 1;
  const plot = WIDTH - LEFT - RIGHT;
  const x = (at: number): number => LEFT + ((at - start) / (end - start)) * plot;
  const parts = [`<text x="10" y="${top - 8}" class="title">${escapeXml(label)}</text>`];
  const connectionsTop = top;
  const latencyTop = top + PANEL + GAP;
  // Phases: alternate shading, names on top.
  record.phases.forEach((phase, index) => {
    const x1 = x(phase.startAt);
    const x2 = x(phase.endAt);
    for (const panelTop of [connectionsTop, latencyTop]) {
      if (index % 2 === 1) parts.push(`<rect x="${x1.toFixed(1)}" y="${panelTop}" width="${(x2 - x1).toFixed(1)}" height="${PANEL}" fill="#f3f3f3"/>`);
    }
    parts.push(`<text x="${((x1 + x2) / 2).toFixed(1)}" y="${connectionsTop + 11}" class="phase">${escapeXml(phase.name)}</text>`);
  });
  for (const signal of record.signals) {
    const sx = x(signal.at).toFixed(1);
    parts.push(`<line x1="${sx}" y1="${connectionsTop}" x2="${sx}" y2="${latencyTop + PANEL}" class="signal"/>`);
    parts.push(`<text x="${sx}" y="${latencyTop + PANEL + 11}" class="signalLabel">${signal.signal === 'SIGKILL' ? 'kill' : 'term'} ${signal.server}</text>`);
  }
  // Connections per server id.
  const servers = [...new Set(record.serverTicks.map((tick) => tick.server))].sort();
  const most = Math.max(1, ...record.serverTicks.map((tick) => tick.connections));
  const cy = (count: number): number => connectionsTop + PANEL - (count / most) * (PANEL - 16);
  servers.forEach((server, index) => {
    const colour = colours[index % colours.length]!;
    const ticks = record.serverTicks.filter((tick) => tick.server === server && tick.at >= start && tick.at <= end);
    // One line per process: a replacement starts a new line.
    for (const pid of new Set(ticks.map((tick) => tick.pid))) {
      parts.push(polyline(ticks.filter((tick) => tick.pid === pid).map((tick) => [x(tick.at), cy(tick.connections)]), colour));
    }
    parts.push(`<text x="${WIDTH - RIGHT + 8}" y="${connectionsTop + 14 + index * 14}" fill="${colour}" class="legend">${server} connections</text>`);
  });
  parts.push(`<text x="${LEFT - 6}" y="${cy(most) + 4}" class="axis">${most}</text><text x="${LEFT - 6}" y="${cy(0)}" class="axis">0</text>`);
  // Latency per second, log scale from 1 ms to 60 s.
  const bins = new Map<number, LatencySample[]>();
  for (const tick of record.loadTicks) {
    for (const sample of tick.latency) {
      const second = Math.floor((sample[0] - start) / 1000);
      let bin = bins.get(second);
      if (bin === undefined) bins.set(second, (bin = []));
      bin.push(sample);
    }
  }
  const ly = (ms: number): number => latencyTop + PANEL - (Math.log10(Math.min(60_000, Math.max(1, ms))) / Math.log10(60_000)) * PANEL;
  const seconds = [...bins.keys()].sort((a, b) => a - b);
  for (const [p, colour, dash] of [[50, '#555', ''], [99, '#d62728', '']] as const) {
    const points: [number, number][] = seconds.map((second) => [x(start + (second + 0.5) * 1000), ly(weightedPercentile(bins.get(second)!, p)!)]);
    parts.push(polyline(points, colour, dash));
  }
  parts.push(`<text x="${WIDTH - RIGHT + 8}" y="${latencyTop + 14}" fill="#555" class="legend">latency p50</text>`);
  parts.push(`<text x="${WIDTH - RIGHT + 8}" y="${latencyTop + 28}" fill="#d62728" class="legend">latency p99</text>`);
  for (const tickMs of [1, 10, 100, 1000, 10_000]) {
    const y = ly(tickMs);
    parts.push(`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - RIGHT}" y2="${y}" class="grid"/><text x="${LEFT - 6}" y="${y + 4}" class="axis">${tickMs >= 1000 ? `${tickMs / 1000} s` : `${tickMs} ms`}</text>`);
  }
  for (const panelTop of [connectionsTop, latencyTop]) parts.push(`<rect x="${LEFT}" y="${panelTop}" width="${plot}" height="${PANEL}" class="frame"/>`);
  const totalSeconds = (end - start) / 1000;
  for (let second = 0; second <= totalSeconds; second += totalSeconds > 120 ? 30 : 10) {
    parts.push(`<text x="${x(start + second * 1000).toFixed(1)}" y="${latencyTop + PANEL + 24}" class="time">${second} s</text>`);
  }
  return parts.join('\n');
}

export function renderTimeline(report: DeployReport): string {
  const height = 50 + report.stacks.length * (2 * PANEL + GAP + 70);
  const labels: Record<string, string> = { upsocket: 'upsocket', socketio: 'socket.io 4.8 (connection state recovery, Redis Streams adapter)' };
  const panels = report.stacks.map(({ record }, index) => stackPanels(record, `${labels[record.stack] ?? record.stack}: connections per server process, publish → delivery latency`, 60 + index * (2 * PANEL + GAP + 70)));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:13px;font-weight:bold;fill:#222}.phase{font-size:10px;fill:#666;text-anchor:middle}.legend{font-size:11px}',
    '.axis{font-size:10px;fill:#555;text-anchor:end}.time{font-size:10px;fill:#555;text-anchor:middle}.grid{stroke:#e4e4e4}.frame{fill:none;stroke:#999}',
    '.signal{stroke:#000;stroke-dasharray:3,3;stroke-width:0.8}.signalLabel{font-size:9px;fill:#000;text-anchor:middle}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold" fill="#111">Deploy scenario ${escapeXml(report.name)}: ${report.settings.clients} clients, ${report.settings.servers} servers behind ${report.settings.balancer}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
