// The benchmark harness runs end to end in quick mode and reports every metric for every server.
// No timing assertions: the numbers belong to the report, not to the test.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../bench/results.js';
import { METRICS } from '../bench/results.js';
import { SERVERS } from '../bench/servers/index.js';
import { TOPICS_SERVER } from '../bench/topics-phase.js';

const run = promisify(execFile);

describe('npm run bench -- --quick', () => {
  it('completes and writes every row for every server plus the report files', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'upsocket-bench-'));
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
        cwd: path.resolve(import.meta.dirname, '..'),
        maxBuffer: 16 * 1024 * 1024,
        timeout: 290_000,
      });
      const results = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as BenchResults;
      expect(results.mode).toBe('quick');
      expect(results.servers.map((server) => server.name)).toEqual(SERVERS.map((server) => server.name));
      expect(results.metrics.map((row) => row.id)).toEqual(METRICS.map((metric) => metric.id));
      for (const row of results.metrics) {
        for (const server of SERVERS) {
          const cell = row.cells[server.name];
          // A ratio needs a positive control figure; quick mode's few idle connections can leave a
          // memory delta at or below zero in the noise, which is still a measurement.
          const control = row.cells[SERVERS[0]!.name]?.value;
          const ratioExpected = typeof control === 'number' && control > 0;
          const measured =
            typeof cell?.value === 'number' && Number.isFinite(cell.value) && (typeof cell.ratio === 'number' || !ratioExpected);
          // n/a only where the library has no such feature, never because a phase failed.
          const excused =
            typeof cell?.na === 'string' &&
            ((server.heartbeat === null && row.id === 'heartbeat') ||
              (row.id.startsWith('topic-') && server.name !== TOPICS_SERVER && !cell.na.startsWith('failed')));
          expect(measured || excused, `${row.id} for ${server.name}: ${JSON.stringify(cell)}`).toBe(true);
        }
      }
      for (const server of SERVERS) expect(stdout).toContain(server.label);
      const markdown = await readFile(path.join(out, 'latest.md'), 'utf8');
      expect(markdown).toContain('](latest.svg)');
      const svg = await readFile(path.join(out, 'latest.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('</svg>');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
