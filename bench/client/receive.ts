// `npx tsx bench/client/receive.ts [--messages 20000] [--warmup 20000] [--text plain|json] [--resume on|off]`: the
// client library's cost per received topic message. A `reconnecting({ resume: true })` client
// (receive-child.ts, bundled, under valgrind's callgrind) receives envelope messages in the exact
// shape the server writes (`envelopeText()`); its user-space instructions per message are counted
// over `--messages` after `--warmup` uncounted ones. The count covers ws's receive path, the resume
// filter, the Message and the handler's own `message.text()` + `JSON.parse`: what a load process of
// the deploy bench spends per message. Repeatable to about 1 % on a busy machine.
// `--text json` sends payloads with quotes in them (escaped in the envelope); `--resume off` counts the
// same client without resume (no filter): the difference is what resuming costs per message.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { envelopeText } from '../../src/wire/index.js';
import { bundle } from '../bundle.js';
import { instructionCountUnavailable } from '../measure/instructions.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '20000' },
    text: { type: 'string', default: 'plain' },
    resume: { type: 'string', default: 'on' },
  },
});
const unavailable = instructionCountUnavailable();
if (unavailable !== undefined) throw new Error(unavailable);
const here = path.dirname(new URL(import.meta.url).pathname);

let seq = 0;
/** The deploy bench's payload (`<topic> <seq> <at>`), or one with quotes to escape. */
function payload(): string {
  const at = Date.now();
  return values.text === 'json' ? JSON.stringify({ seq, at, note: 'ünïcode "quoted"' }) : `t3 ${seq} ${at}.125`;
}

const server = http.createServer((req, res) => {
  const served = open(req, async (connection) => {
    for await (const message of connection) {
      const count = Number(message.text().slice(5));
      const ms = Date.now();
      // Batches of 50 per tick, waiting for the socket to drain: no unbounded buffering.
      for (let sent = 0; sent < count; sent += 50) {
        for (let i = sent; i < Math.min(count, sent + 50); i++) connection.sendText(envelopeText('t3', `${ms}-${++seq}`, false, payload()));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });
  if (!served) res.end();
});
attach(server);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

const dir = await mkdtemp(path.join(os.tmpdir(), 'upsocket-client-receive-'));
const childFile = path.join(dir, 'child.mjs');
await bundle(path.join(here, 'receive-child.ts'), childFile, 'bundle');
const out = path.join(dir, 'callgrind.out');
const child = spawn(
  'valgrind',
  ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', childFile, `ws://127.0.0.1:${port}/`, values.resume],
  { stdio: ['pipe', 'pipe', 'pipe'] },
);
child.stderr!.resume();
const lines: string[] = [];
let waiting: ((line: string) => void) | undefined;
let buffered = '';
child.stdout!.on('data', (chunk: Buffer) => {
  buffered += chunk.toString();
  for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
    lines.push(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
  }
  if (waiting !== undefined && lines.length > 0) waiting(lines.shift()!);
});
function nextLine(): Promise<string> {
  return lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => (waiting = (line) => ((waiting = undefined), resolve(line))));
}
function control(...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore', timeout: 60_000 });
}

try {
  if ((await nextLine()) !== 'OPEN') throw new Error('the client did not open');
  child.stdin!.write(`${values.warmup}\n`);
  await nextLine();
  control('--instr=on');
  child.stdin!.write(`${values.messages}\n`);
  const done = await nextLine();
  control('--dump');
  const dump = await readFile(`${out}.1`, 'utf8');
  const totals = /^totals:\s+(\d+)/m.exec(dump);
  if (totals === null) throw new Error('no totals in the callgrind dump');
  const perMessage = Number(totals[1]) / Number(values.messages);
  console.log(`${Math.round(perMessage)} instructions per message (resume ${values.resume}, ${values.messages} ${values.text} messages after ${values.warmup}; ${done})`);
} finally {
  child.kill('SIGKILL');
  server.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
