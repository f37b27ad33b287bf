// The ratio chart: one small panel per metric, a bar per server on a log scale centred on 1.0
// (raw ws), green where the server beats raw ws and orange where it costs more.
import type { BenchResults, MetricRow } from '../results.js';
import { formatRatio } from './format.js';

const PANEL_WIDTH = 470;
const LABEL_WIDTH = 175;
const PLOT_WIDTH = 220;
const ROW_HEIGHT = 16;
const PANEL_TOP = 22;
const COLUMNS = 2;
const HEADER = 46;
/** The axis spans 1/4× to 4×; longer bars are clipped and keep their number. */
const LOG2_LIMIT = 2;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xOf(ratio: number): number {
  const clipped = Math.max(-LOG2_LIMIT, Math.min(LOG2_LIMIT, Math.log2(ratio)));
  return LABEL_WIDTH + ((clipped + LOG2_LIMIT) / (2 * LOG2_LIMIT)) * PLOT_WIDTH;
}

function panel(results: BenchResults, row: MetricRow, x: number, y: number): string {
  const parts = [`<g transform="translate(${x},${y})">`];
  const height = PANEL_TOP + results.servers.length * ROW_HEIGHT;
  parts.push(`<text x="0" y="14" class="title">${escapeXml(`${row.label} (${row.unit}; ${row.better} is better)`)}</text>`);
  for (const ratio of [0.25, 0.5, 1, 2, 4]) {
    const gx = xOf(ratio).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${PANEL_TOP - 4}" x2="${gx}" y2="${height}" class="${ratio === 1 ? 'one' : 'grid'}"/>`);
  }
  results.servers.forEach((server, index) => {
    const cell = row.cells[server.name];
    const top = PANEL_TOP + index * ROW_HEIGHT;
    parts.push(`<text x="${LABEL_WIDTH - 6}" y="${top + 11}" class="label">${escapeXml(server.label)}</text>`);
    if (cell?.ratio === undefined || !Number.isFinite(cell.ratio) || cell.ratio <= 0) {
      parts.push(`<text x="${xOf(1) + 4}" y="${top + 11}" class="na">n/a</text>`);
      return;
    }
    const x1 = xOf(1);
    const x2 = xOf(cell.ratio);
    const better = row.better === 'lower' ? cell.ratio <= 1 : cell.ratio >= 1;
    const kind = server.name === 'ws' ? 'control' : better ? 'better' : 'worse';
    const left = Math.min(x1, x2);
    const width = Math.max(1.5, Math.abs(x2 - x1));
    parts.push(`<rect x="${left.toFixed(1)}" y="${top + 2}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 4}" class="${kind}"/>`);
    parts.push(`<text x="${LABEL_WIDTH + PLOT_WIDTH + 6}" y="${top + 11}" class="value">${formatRatio(cell.ratio)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

export function renderSvg(results: BenchResults): string {
  const panelHeight = PANEL_TOP + results.servers.length * ROW_HEIGHT + 18;
  const rows = Math.ceil(results.metrics.length / COLUMNS);
  const width = COLUMNS * PANEL_WIDTH + 20;
  const height = HEADER + rows * panelHeight;
  const panels = results.metrics.map((row, index) =>
    panel(results, row, 10 + (index % COLUMNS) * PANEL_WIDTH, HEADER + Math.floor(index / COLUMNS) * panelHeight),
  );
  const subtitle = `${results.mode} run ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${results.machine.cpus} × ${results.machine.cpuModel} · Node ${results.machine.node} · log scale, 1/4× to 4×`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>',
    '.title{font-size:12px;font-weight:bold;fill:#222}.label{font-size:11px;fill:#333;text-anchor:end}',
    '.value,.na{font-size:11px;fill:#333}.na{fill:#888;font-style:italic}',
    '.grid{stroke:#ddd;stroke-width:1}.one{stroke:#444;stroke-width:1.2}',
    '.better{fill:#3a9d5d}.worse{fill:#e08a2e}.control{fill:#777}',
    '</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold" fill="#111">upsocket benchmark: each server ÷ raw ws, same run</text>`,
    `<text x="10" y="36" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
