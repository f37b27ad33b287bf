// `npx tsx bench/profile.ts [--server upsocket-express] [--load echo|handshake] [--payload text64] [--seconds 10]`:
// runs one server under `node --cpu-prof` with the load of the CPU or handshake row, then prints where
// its busy time went (self and inclusive, by function and by origin). Profiles stay untracked.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PayloadKind } from './load/payload.js';
import { startLoadGenerator, startServer } from './processes.js';
import { summarizeProfile, type FunctionTime } from './report/cpu-profile.js';
import { serverEntry } from './servers/index.js';
import { FULL } from './settings.js';
import { sleep } from './stats.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'upsocket-express' },
    load: { type: 'string', default: 'echo' },
    payload: { type: 'string', default: 'text64' },
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
  },
});

const entry = serverEntry(values.server);
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'profiles', `${entry.name}-${values.load}`);
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });

const load = await startLoadGenerator(1000);
const server = await startServer(entry, { heartbeat: false, connections: 1000, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] });
const { connections, inFlight } = FULL.echo;
const handshakes = values.load === 'handshake';
if (handshakes) await load.request('handshake-start', { port: server.port, kind: entry.client, concurrency: FULL.handshakes.concurrency });
else await load.request('echo-start', { port: server.port, kind: entry.client, connections, inFlight, payload: values.payload as PayloadKind });
await sleep(Number(values.seconds) * 1000);
const done = handshakes ? (await load.request<{ completed: number }>('handshake-count')).completed : await load.request<number>('echo-count');
await load.request(handshakes ? 'handshake-stop' : 'echo-stop');
await server.child.stop(30_000);
await load.stop();

const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
const summary = summarizeProfile(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
const busy = summary.totalMs - summary.idleMs;
const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
const top = Number(values.top);
const line = (entry: FunctionTime, ms: number): string => `${pct(ms)}  ${entry.origin.padEnd(18)} ${entry.name}`;

console.log(`${entry.label}, ${handshakes ? 'handshakes' : values.payload}, ${values.seconds} s: ${done} ${handshakes ? 'handshakes' : 'echoes'}; busy ${busy.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms profiled`);
console.log(`profile: ${path.relative(process.cwd(), path.join(dir, file))}\n\nBusy time by origin (self):`);
for (const origin of summary.origins.filter((o) => o.origin !== '(idle)' && o.selfMs >= busy / 1000)) console.log(`${pct(origin.selfMs)}  ${origin.origin}`);
console.log(`\nTop ${top} functions by self time:`);
for (const fn of [...summary.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) console.log(line(fn, fn.selfMs));
console.log(`\nTop ${top} upsocket / bench functions by inclusive time:`);
const ours = summary.functions.filter((fn) => fn.origin.startsWith('upsocket') || fn.origin === 'bench server');
for (const fn of ours.sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) console.log(line(fn, fn.totalMs));
