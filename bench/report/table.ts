// The console table: one row per metric, one column per server, "value (ratio to raw ws)".
import type { BenchResults } from '../results.js';
import { formatCell, naFootnotes } from './format.js';
import { renderObservability } from './observability.js';
import { renderTargets } from './targets.js';

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function renderTable(results: BenchResults): string {
  const notes = naFootnotes(results.metrics);
  const header = ['metric', ...results.servers.map((server) => server.label)];
  const body = results.metrics.map((row) => [
    `${row.label} [${row.unit}]`,
    ...results.servers.map((server) => {
      const cell = row.cells[server.name] ?? { na: 'missing' };
      return formatCell(row, cell, cell.na === undefined ? '' : `[${notes.get(cell.na)}]`);
    }),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((line) => line[column]!.length)));
  const lines = [header, ...body].map((line) => line.map((text, column) => pad(text, widths[column]!, column > 0)).join('  '));
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  lines.push('', 'Cells: median (ratio to raw ws from the same run). Ratios above 1 are worse except for handshakes per second.');
  for (const [reason, number] of notes) lines.push(`[${number}] n/a: ${reason}`);
  lines.push('', 'Per-connection targets (upsocket express against its anchors, this run):', ...renderTargets(results, false).map((line) => `  ${line}`));
  const observability = renderObservability(results, false);
  if (observability.length > 0) lines.push('', 'Observability cost (CPU per echo, 64 B text, same rounds):', ...observability.map((line) => `  ${line}`));
  return lines.join('\n');
}
