import type { Cell, MetricRow } from '../results.js';

export function formatValue(row: MetricRow, value: number): string {
  return (value * row.scale).toFixed(row.digits);
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '–' : `${ratio.toFixed(2)}×`;
}

/** "4.12 (1.03×)", or "n/a" with a footnote mark supplied by the caller. */
export function formatCell(row: MetricRow, cell: Cell, naMark = ''): string {
  if (cell.value === undefined) return `n/a${naMark}`;
  return `${formatValue(row, cell.value)} (${formatRatio(cell.ratio)})`;
}

/** Numbered reasons for every n/a cell, shared by the console table and the Markdown report. */
export function naFootnotes(rows: readonly MetricRow[]): Map<string, number> {
  const notes = new Map<string, number>();
  for (const row of rows) for (const cell of Object.values(row.cells)) if (cell.na !== undefined && !notes.has(cell.na)) notes.set(cell.na, notes.size + 1);
  return notes;
}
