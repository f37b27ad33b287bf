// A throwaway runner for the socket.io stack alone (until bench/deploy/run.ts drives it): Redis,
// three nodes behind nginx, the publisher, one load process; steady, rolling restart, crash.
// npx tsx bench/deploy/socketio/smoke.ts [clients]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, freePort } from '../../../test/helpers/redis-server.js';
import { Child } from '../../ipc.js';
import { now } from '../../topics-child.js';
import type { LoadLedger, LoadTick, PublisherMark, ResumeEvent, ServerState } from '../contract.js';

const clients = Number(process.argv[2] ?? 300);
const topics = 20;
const rate = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const redis = await RedisServer.launch();
const ports = [await freePort(), await freePort(), await freePort()];
const lbPort = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'sio-smoke-'));
writeFileSync(
  join(dir, 'nginx.conf'),
  `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn; worker_rlimit_nofile 20000;
events { worker_connections 16000; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream app { ${ports.map((port) => `server 127.0.0.1:${port} max_fails=0;`).join(' ')} }
  server { listen 127.0.0.1:${lbPort}; location / { proxy_pass http://app; proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
    proxy_read_timeout 120s; proxy_next_upstream error timeout http_502 http_503; proxy_connect_timeout 2s; } } }
`,
);
const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });

const env = { REDIS_URL: redis.url, DEPLOY_TOPICS: String(topics), DEPLOY_HISTORY: '1000', DEPLOY_TICK_MS: '500', DEPLOY_RATE: String(rate) };
const servers = new Map<string, Child>();
const states: ServerState[] = [];
async function startServer(index: number): Promise<void> {
  const id = `s${index + 1}`;
  const child = new Child('./deploy/socketio/server.ts', [], { env: { ...env, DEPLOY_PORT: String(ports[index]), DEPLOY_SERVER: id }, fileLimit: 20000 });
  child.process.on('message', (message: { type?: string }) => {
    if (message.type === 'draining' || message.type === 'drained') states.push(message as ServerState);
  });
  await child.ready;
  servers.set(id, child);
}
await Promise.all([0, 1, 2].map(startServer));
const publisher = new Child('./deploy/socketio/publisher.ts', [], { env });
await publisher.ready;
const load = new Child('./deploy/socketio/load.ts', [], {
  env: { ...env, DEPLOY_URL: `http://127.0.0.1:${lbPort}`, DEPLOY_CLIENTS: String(clients), DEPLOY_FIRST_CLIENT: '0', DEPLOY_TOPICS_PER_CLIENT: '2', DEPLOY_CONNECT_RATE: '300' },
  fileLimit: 20000,
});
await load.ready;
const ticks: LoadTick[] = [];
load.process.on('message', (message: { type?: string }) => {
  if (message.type === 'tick') ticks.push(message as LoadTick);
});
await publisher.request('start');
await load.request('connect');
console.log(`${clients} clients subscribed`);

const lastTick = (): LoadTick | undefined => ticks.at(-1);
async function allBack(signalAt: number): Promise<void> {
  const deadline = now() + 60_000;
  while (now() < deadline) {
    await sleep(500);
    const tick = lastTick();
    if (tick !== undefined && tick.at > signalAt + 1500 && tick.subscribed === clients) return;
  }
  console.log(`not all back: ${lastTick()?.subscribed}`);
}
const phases: { name: string; lastSeqs: Record<string, number>; endAt: number }[] = [];
const signals: { phase: string; server: string; at: number }[] = [];
async function endPhase(name: string): Promise<void> {
  const mark = await publisher.request<PublisherMark>('mark');
  phases.push({ name, lastSeqs: mark.seqs, endAt: mark.at });
}

await sleep(8000);
await endPhase('steady');
for (const [index, id] of ['s1', 's2', 's3'].entries()) {
  const child = servers.get(id)!;
  signals.push({ phase: 'deploy', server: id, at: now() });
  child.process.kill('SIGTERM');
  await child.exited;
  await startServer(index);
  await allBack(signals.at(-1)!.at);
  await sleep(3000);
}
await endPhase('deploy');
signals.push({ phase: 'crash', server: 's2', at: now() });
servers.get('s2')!.process.kill('SIGKILL');
await servers.get('s2')!.exited;
await sleep(1000);
await startServer(1);
await allBack(signals.at(-1)!.at);
await sleep(3000);
const final = await publisher.request<PublisherMark>('stop');
phases.push({ name: 'crash', lastSeqs: final.seqs, endAt: final.at });
await sleep(3000);
const ledger = await load.request<LoadLedger>('ledger', { phases });

const resumes: ResumeEvent[] = ticks.flatMap((tick) => tick.resumed);
for (const phase of phases) {
  // A resume belongs to the last signal to its server before the connection ended.
  const signalOf = (resume: ResumeEvent): (typeof signals)[number] | undefined => signals.filter((s) => s.server === resume.from && s.at <= resume.downAt + 1).at(-1);
  const mine = resumes.filter((resume) => signalOf(resume)?.phase === phase.name);
  const times = mine.map((resume) => resume.at - signalOf(resume)!.at).sort((a, b) => a - b);
  const recovered = mine.filter((resume) => resume.recovered).length;
  const lat = ticks.filter((tick) => tick.at <= phase.endAt && tick.at > (phases[phases.indexOf(phase) - 1]?.endAt ?? 0)).flatMap((tick) => tick.latency.map(([, ms]) => ms));
  lat.sort((a, b) => a - b);
  const q = (p: number): string => (lat.length === 0 ? '-' : lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(1));
  console.log(phase.name, JSON.stringify(ledger.phases[phase.name]), `resumes ${times.length} (recovered ${recovered}) max ${times.at(-1)?.toFixed(0)} p99 ${times[Math.floor(times.length * 0.99)]?.toFixed(0)} ms; latency p50 ${q(0.5)} p99 ${q(0.99)} ms`);
}
for (const signal of signals) {
  const times = resumes.filter((resume) => signals.filter((s) => s.server === resume.from && s.at <= resume.downAt + 1).at(-1) === signal).map((resume) => resume.at - signal.at).sort((a, b) => a - b);
  const attempts = resumes.filter((resume) => signals.filter((s) => s.server === resume.from && s.at <= resume.downAt + 1).at(-1) === signal).reduce<Record<number, number>>((sum, r) => ((sum[r.attempts] = (sum[r.attempts] ?? 0) + 1), sum), {});
  console.log(`${signal.phase} ${signal.server}: ${times.length} back, ms p50 ${times[Math.floor(times.length / 2)]?.toFixed(0)} p90 ${times[Math.floor(times.length * 0.9)]?.toFixed(0)} max ${times.at(-1)?.toFixed(0)}; attempts ${JSON.stringify(attempts)}`);
}
console.log('refused', JSON.stringify(ticks.reduce<Record<string, number>>((sum, tick) => { for (const [k, v] of Object.entries(tick.refused)) sum[k] = (sum[k] ?? 0) + v; return sum; }, {})));
console.log('states', states.map((s) => `${s.server} ${s.type} +${(s.at - (signals.find((x) => x.server === s.server)?.at ?? 0)).toFixed(0)}`).join(', '));

await Promise.all([load.stop(), publisher.stop(), ...[...servers.values()].map((child) => child.stop())]);
nginx.kill('SIGTERM');
await redis.stop();
process.exit(0);
