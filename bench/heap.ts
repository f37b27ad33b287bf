// `npx tsx bench/heap.ts [--server upsocket-express] [--connections 2000]`: what one idle
// connection keeps on the heap, by constructor: a heap snapshot before and after opening them.
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { perConnection, totalsByConstructor } from './report/heap-snapshot.js';
import { startLoadGenerator, startServer } from './processes.js';
import { serverEntry } from './servers/index.js';
import { waitFor } from './stats.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'upsocket-express' },
    connections: { type: 'string', default: '2000' },
    top: { type: 'string', default: '25' },
  },
});
const entry = serverEntry(values.server);
const connections = Number(values.connections);
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'profiles', `${entry.name}-heap`);
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });

const load = await startLoadGenerator(connections);
const server = await startServer(entry, { heartbeat: false, connections });
const count = (): Promise<number> => server.child.request<number>('connections');
// One connection first, so code loaded on first use is in both snapshots.
await load.request('idle-open', { port: server.port, kind: entry.client, count: 1 });
await load.request('idle-close');
await waitFor(async () => (await count()) === 0, 10_000, 'the warm-up connection to close');
const before = await server.child.request<string>('heap-snapshot', { file: path.join(dir, 'before.heapsnapshot') });
await load.request('idle-open', { port: server.port, kind: entry.client, count: connections });
await waitFor(async () => (await count()) >= connections, 30_000, 'the connections to open');
const after = await server.child.request<string>('heap-snapshot', { file: path.join(dir, 'after.heapsnapshot') });
await load.request('idle-close');
await server.child.stop();
await load.stop();

const read = async (file: string) => totalsByConstructor(JSON.parse(await readFile(file, 'utf8')));
const rows = perConnection(await read(before), await read(after), connections);
const total = rows.reduce((sum, row) => sum + row.bytes, 0);
console.log(`${entry.label}: ${(total / 1024).toFixed(2)} KiB of heap objects per idle connection (self sizes), by constructor:`);
for (const row of rows.slice(0, Number(values.top))) {
  console.log(`${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(6)} ×  ${row.name}`);
}
