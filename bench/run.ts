// `npm run bench [-- --quick] [--only name,name] [--out dir]`: runs the suite, prints the table,
// writes latest.json, latest.md and latest.svg (the ratio chart). `--render results.json` only
// renders an earlier run's results again (after a change to the report's wording, say).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './harness.js';
import { renderMarkdown } from './report/markdown.js';
import { renderSvg } from './report/svg.js';
import { renderTable } from './report/table.js';
import type { BenchResults } from './results.js';
import { FULL, QUICK } from './settings.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    render: { type: 'string' },
  },
});

const settings = values.quick ? QUICK : FULL;
const resultsDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
// A quick run is a smoke test: it must never overwrite the committed report of a full run.
const outDir = values.out ?? (values.quick ? path.join(resultsDir, 'quick') : resultsDir);

const results: BenchResults =
  values.render === undefined
    ? await runBench({ settings, ...(values.only === undefined ? {} : { only: values.only.split(',') }) })
    : JSON.parse(await readFile(values.render, 'utf8'));
await mkdir(outDir, { recursive: true });
const chartFile = 'latest.svg';
await writeFile(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(path.join(outDir, chartFile), renderSvg(results));
await writeFile(path.join(outDir, 'latest.md'), renderMarkdown(results, chartFile));
console.log(renderTable(results));
console.log(`\nWrote ${path.relative(process.cwd(), outDir) || '.'}/latest.{json,md,svg} in ${results.durationSeconds} s`);
