// The benchmark harness runs end to end in quick mode and reports every metric for every server.
// No timing assertions: the numbers belong to the report, not to the test.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../bench/results.js';
import { METRICS } from '../bench/results.js';
import { MAIN_SERVERS as SERVERS, SERVERS as ALL_SERVERS } from '../bench/servers/index.js';
import { TOPICS_SERVER } from '../bench/topics-phase.js';
import { describeNeeding, redisCli, redisServer, valgrind } from './helpers/external-programs.js';

const run = promisify(execFile);

/** The rows measured through a real redis-server: they follow the outside-program rule. */
const needsRedisCluster = (rowId: string): boolean => rowId.startsWith('topic-redis-cluster');
const needsRedis = (rowId: string): boolean => rowId.startsWith('topic-redis') && !needsRedisCluster(rowId);
/** The row counted under valgrind's callgrind. */
const needsValgrind = (rowId: string): boolean => rowId === 'handshake-instructions';

interface QuickRun {
  results: BenchResults;
  stdout: string;
  markdown: string;
  svg: string;
}

let quickRun: QuickRun;

// One quick run for the suites below: it takes two to four minutes (the instruction count runs
// every server under valgrind).
beforeAll(async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'upsocket-bench-'));
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: path.resolve(import.meta.dirname, '..'),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 470_000,
    });
    quickRun = {
      results: JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as BenchResults,
      stdout,
      markdown: await readFile(path.join(out, 'latest.md'), 'utf8'),
      svg: await readFile(path.join(out, 'latest.svg'), 'utf8'),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 480_000);

/** Whether the row has a figure (and its ratio) for the server, or an n/a the library earns. */
function expectReported(rowId: string, serverName: string): void {
  const row = quickRun.results.metrics.find((metric) => metric.id === rowId)!;
  const server = SERVERS.find((candidate) => candidate.name === serverName)!;
  const cell = row.cells[server.name];
  // A ratio needs a positive control figure; quick mode's few idle connections can leave a
  // memory delta at or below zero in the noise, which is still a measurement.
  const control = row.cells[SERVERS[0]!.name]?.value;
  const ratioExpected = typeof control === 'number' && control > 0;
  const measured = typeof cell?.value === 'number' && Number.isFinite(cell.value) && (typeof cell.ratio === 'number' || !ratioExpected);
  // n/a only where the library has no such feature, never because a phase failed.
  const excused =
    typeof cell?.na === 'string' &&
    ((server.heartbeat === null && row.id.startsWith('heartbeat')) ||
      (row.id.startsWith('topic-') && server.name !== TOPICS_SERVER && !cell.na.startsWith('failed')));
  expect(measured || excused, `${row.id} for ${server.name}: ${JSON.stringify(cell)}`).toBe(true);
}

describe('npm run bench -- --quick', () => {
  it('completes and writes every row for every server plus the report files', () => {
    const { results, stdout, markdown, svg } = quickRun;
    expect(results.mode).toBe('quick');
    expect(results.servers.map((server) => server.name)).toEqual(SERVERS.map((server) => server.name));
    expect(results.metrics.map((row) => row.id)).toEqual(METRICS.map((metric) => metric.id));
    for (const row of results.metrics) {
      if (needsRedis(row.id) || needsRedisCluster(row.id) || needsValgrind(row.id)) continue;
      for (const server of SERVERS) expectReported(row.id, server.name);
    }
    for (const server of SERVERS) expect(stdout).toContain(server.label);
    expect(markdown).toContain('](latest.svg)');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });
});

describe('npm run bench -- --quick: observability cost', () => {
  it('measures 64 B echo CPU for each subscriber variant beside its base server and reports the ratios', () => {
    const { results, stdout, markdown } = quickRun;
    const variants = ALL_SERVERS.filter((entry) => entry.variantOf !== undefined);
    expect(variants.map((entry) => entry.name)).toEqual(['upsocket-stats', 'upsocket-otel']);
    expect(results.variants?.map((entry) => entry.name)).toEqual(variants.map((entry) => entry.name));
    const row = results.metrics.find((metric) => metric.id === 'cpu-text64')!;
    for (const variant of variants) {
      const cell = row.cells[variant.name];
      expect(typeof cell?.value === 'number' && cell.value > 0, `${variant.name}: ${JSON.stringify(cell)}`).toBe(true);
      // Only the 64 B echo phase: no cell in the other rows, no column in the main table.
      for (const other of results.metrics.filter((metric) => metric.id !== 'cpu-text64')) expect(other.cells[variant.name]).toBeUndefined();
      expect(stdout).toMatch(new RegExp(`${variant.label.replace(/[()+]/g, '\\$&')}: [0-9.]+ µs/msg \\([0-9.]+× of no subscriber`));
      expect(markdown).toContain(`| ${variant.label} |`);
    }
    expect(markdown).toContain('## Observability cost');
  });
});

describeNeeding('npm run bench -- --quick: the rows through Redis', { needs: [redisServer] }, () => {
  it('measures publish-to-arrival across processes through redis-server', () => {
    const rows = quickRun.results.metrics.filter((row) => needsRedis(row.id));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) for (const server of SERVERS) expectReported(row.id, server.name);
  });
});

describeNeeding('npm run bench -- --quick: the Redis Cluster row', { needs: [redisServer, redisCli] }, () => {
  it('measures fan-out across processes through a 3-master Redis Cluster', () => {
    const rows = quickRun.results.metrics.filter((row) => needsRedisCluster(row.id));
    expect(rows.map((row) => row.id)).toEqual(['topic-redis-cluster-p50', 'topic-redis-cluster-p99']);
    for (const row of rows) for (const server of SERVERS) expectReported(row.id, server.name);
  });
});

describeNeeding('npm run bench -- --quick: the instruction count', { needs: [valgrind] }, () => {
  it('counts instructions per handshake under callgrind for every server, with the ratio to raw ws', () => {
    const row = quickRun.results.metrics.find((metric) => needsValgrind(metric.id))!;
    for (const server of SERVERS) expectReported(row.id, server.name);
    // A handshake is hundreds of thousands of instructions in any of these servers: a count far
    // below that would mean the window missed the handshakes.
    for (const server of SERVERS) expect(row.cells[server.name]!.value!, server.name).toBeGreaterThan(100_000);
    expect(quickRun.stdout).toContain('Instructions per handshake ÷ express-ws (callgrind)');
  });
});
