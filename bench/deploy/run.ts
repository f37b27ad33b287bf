// The deploy scenario (issue 24), one command:
//   npx tsx bench/deploy/run.ts --stacks upsocket,socketio --clients 2000 --servers 3 --balancer nginx --phases rolling,crash
// Each stack runs in turn (its own Redis, servers, balancer, publisher, loads: scenario.ts); the
// table and timeline go to bench/results/deploy-<name>.{md,svg,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { stackNames, type StackName } from './contract.js';
import { renderMarkdown, type DeployReport } from './report.js';
import { runStack, stackAvailable, type ScenarioSettings } from './scenario.js';
import { summarizePresence } from './presence-summary.js';
import { summarize } from './summary.js';
import { renderTimeline } from './timeline.js';

const { values } = parseArgs({
  options: {
    stacks: { type: 'string', default: 'upsocket,socketio' },
    clients: { type: 'string', default: '600' },
    servers: { type: 'string', default: '3' },
    balancer: { type: 'string', default: 'nginx' },
    phases: { type: 'string', default: 'rolling,crash' },
    topics: { type: 'string', default: '20' },
    'topics-per-client': { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    history: { type: 'string', default: '1000' },
    'clients-per-load': { type: 'string', default: '1250' },
    'connect-rate': { type: 'string', default: '500' },
    steady: { type: 'string', default: '10' },
    quiesce: { type: 'string', default: '5' },
    'resume-timeout': { type: 'string', default: '60' },
    backlog: { type: 'string' },
    spread: { type: 'string' },
    presence: { type: 'boolean', default: false },
    'presence-grace': { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
});

const stacks = values.stacks.split(',') as StackName[];
for (const stack of stacks) if (!stackNames.includes(stack)) throw new Error(`--stacks: unknown stack ${stack} (${stackNames.join(', ')})`);
const balancer = values.balancer;
if (balancer !== 'nginx' && balancer !== 'haproxy') throw new Error('--balancer: nginx or haproxy');
const phases = values.phases.split(',').filter((phase) => phase !== '');
for (const phase of phases) if (phase !== 'rolling' && phase !== 'crash') throw new Error(`--phases: rolling and/or crash, not ${phase}`);

const settings: ScenarioSettings = {
  clients: Number(values.clients),
  servers: Number(values.servers),
  balancer,
  phases: phases as ScenarioSettings['phases'],
  topics: Number(values.topics),
  topicsPerClient: Number(values['topics-per-client']),
  rate: Number(values.rate),
  history: Number(values.history),
  clientsPerLoad: Number(values['clients-per-load']),
  connectRate: Number(values['connect-rate']),
  steadyMs: Number(values.steady) * 1000,
  quiesceMs: Number(values.quiesce) * 1000,
  resumeTimeoutMs: Number(values['resume-timeout']) * 1000,
  tickMs: 500,
  backlog: values.backlog === undefined ? undefined : Number(values.backlog),
  spread: values.spread === undefined ? undefined : Number(values.spread),
  // Two tabs per member (contract.ts, "Presence"); upsocket only (scenario.ts notes it for socket.io).
  presence: values.presence ? { members: Math.ceil(Number(values.clients) / 2), grace: values['presence-grace'] === undefined ? undefined : Number(values['presence-grace']) } : undefined,
};
if (settings.presence !== undefined && stacks.includes('socketio')) console.log('--presence: upsocket only (socket.io has no comparable presence); socket.io runs without it');
if (settings.presence !== undefined && settings.presence.members % settings.topics !== 0) console.log(`--presence: ${settings.presence.members} members is no multiple of ${settings.topics} topics: a member's two tabs are in different topics`);
const name = values.name ?? `${settings.clients}-${balancer}`;
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const report: DeployReport = {
  name,
  command: `npx tsx bench/deploy/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.versions.node, loadAverage: os.loadavg() },
  settings,
  stacks: [],
};
// Ctrl-C: stop what the running stack started (its Redis, balancer, processes), then leave.
const running: (() => Promise<void>)[] = [];
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.all(running.map((stop) => stop())).finally(() => process.exit(130)));
}
for (const stack of stacks) {
  if (!stackAvailable(stack)) {
    log(`${stack}: bench/deploy/${stack}/ has no server.ts, load.ts and publisher.ts yet: skipped`);
    continue;
  }
  log(`${stack}: ${settings.clients} clients, ${settings.servers} servers behind ${balancer}`);
  const record = await runStack(stack, settings, log, (stop) => running.push(stop));
  report.stacks.push({ record, summary: summarize(record), presence: summarizePresence(record, settings.clients) });
}

mkdirSync(values.out, { recursive: true });
const base = `${values.out}/deploy-${name}`;
const markdown = renderMarkdown(report);
writeFileSync(`${base}.md`, markdown);
writeFileSync(`${base}.svg`, renderTimeline(report));
writeFileSync(`${base}.json`, `${JSON.stringify({ ...report, stacks: report.stacks.map(({ record, summary, presence }) => ({ summary, ...(presence !== undefined && { presence }), signals: record.signals, phases: record.phases, notes: record.notes })) }, null, 1)}\n`);
console.log(markdown);
log(`wrote ${base}.{md,svg,json}`);
process.exit(0);
