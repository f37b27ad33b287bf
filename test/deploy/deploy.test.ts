import { describe, expect, it } from 'vitest';
import { nginxSite } from '../../bench/deploy/balancer.js';
import { runStack, type ScenarioSettings } from '../../bench/deploy/scenario.js';
import { summarize } from '../../bench/deploy/summary.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, nginx, redisServer } from '../helpers/external-programs.js';

// The small version of the bench's deploy scenario (bench/deploy/, issue 24): real processes all
// through — redis-server, 3 upsocket servers (node:http, Redis topics with history), nginx with
// docs/deployment.md's configuration, a publisher at 200 msg/s over 20 topics, 200
// reconnecting({ resume: true }) clients in 2 load processes — through a rolling restart (each
// server SIGTERM'd, drained, replaced) and a SIGKILL and restart. Run with DEPLOY_RESUME=off in the
// environment (clients without resume), the ledger counts hundreds of lost messages and this fails.
const settings: ScenarioSettings = {
  clients: 200,
  servers: 3,
  balancer: 'nginx',
  phases: ['rolling', 'crash'],
  topics: 20,
  topicsPerClient: 1,
  rate: 200,
  history: 1000,
  clientsPerLoad: 100,
  connectRate: 300,
  steadyMs: 1000,
  quiesceMs: 2000,
  resumeTimeoutMs: 30_000,
  tickMs: 500,
};

describe("the deploy scenario's nginx", () => {
  it("runs docs/deployment.md's site with one upstream server per process, each with the page's parameters", () => {
    const { site, notes } = nginxSite([4001, 4002, 4003]);
    // The page has everything a rolling deploy needs: the bench added nothing.
    expect(notes).toEqual([]);
    const servers = site.match(/^\s*server 127\.0\.0\.1:\d+.*;$/gm)!.map((line) => line.trim());
    expect(servers.map((line) => /^server (127\.0\.0\.1:\d+)/.exec(line)![1])).toEqual(['127.0.0.1:4001', '127.0.0.1:4002', '127.0.0.1:4003']);
    for (const line of servers) expect(line).toMatch(/ max_fails=0[ ;]/);
    expect(site).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
    expect(site).toContain('listen {port};');
  });
});

describeNeeding('a rolling restart and a crash behind nginx, 200 resuming clients', { needs: [nginx, redisServer] }, () => {
  it('loses nothing, duplicates nothing, and every client of each signalled server resumes', { timeout: 240_000 }, async () => {
    const record = await runStack('upsocket', settings, (line) => console.log(line), onCleanup);
    const phases = summarize(record);
    expect(phases.map((phase) => phase.phase)).toEqual(['warm-up', 'steady', 'rolling', 'crash', 'final']);
    for (const phase of phases) {
      expect({ phase: phase.phase, lost: phase.lost, duplicated: phase.duplicated, outOfOrder: phase.outOfOrder, gaps: phase.gaps }).toEqual({
        phase: phase.phase,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        gaps: 0,
      });
    }
    for (const name of ['rolling', 'crash']) {
      const phase = phases.find((candidate) => candidate.phase === name)!;
      expect(phase.published).toBeGreaterThan(0);
      expect(phase.expected).toBeGreaterThanOrEqual(phase.published);
      expect(phase.received).toBe(phase.expected);
    }
    expect(record.signals.map((signal) => `${signal.signal} ${signal.server}`)).toEqual(['SIGTERM s1', 'SIGTERM s2', 'SIGTERM s3', 'SIGKILL s1']);
    for (const signal of record.signals) {
      expect(signal.clients).toBeGreaterThan(0);
      expect({ server: signal.server, resumed: signal.resumeMs.length }).toEqual({ server: signal.server, resumed: signal.clients });
    }
  });
});
