// WebSockets over HTTP/2 against HTTP/1.1 (issue 25): `npx tsx bench/http2.ts [--quick] [--json <file>]`.
//
// One server process (bench/http2-server.ts: `http2.createSecureServer({ allowHTTP1: true })`,
// upsocket attached, an echo route) serves both; this process is the client (bench/http2-clients.ts),
// raw, and the variants alternate round by round so both see the same machine:
// - `h2`: a WebSocket as a new stream of an HTTP/2 session that already loaded the page (RFC 8441:
//   one round trip on the page's connection);
// - `h1 resumed`: a new TCP connection, a TLS handshake resuming the origin's session, the upgrade
//   (what a browser's WebSocket to a page's origin costs over HTTP/1.1);
// - `h1 full`: the same with a full TLS handshake;
// - `h2 client`: as `h2`, through upsocket's `connect(url, { http2: session })` (opening rows only).
// Rows: time until open (p50/p99 over sequential opens, each closed cleanly before the next; and
// through bench/http2-delay.ts's proxy, which gives loopback a round-trip time, so round trips count);
// server CPU per handshake (its process.cpuUsage() over the same rounds, open + clean close);
// server CPU per echoed 64 B message (one connection, a window of messages in flight); memory per
// idle WebSocket (a fresh server process each sample: RSS and heap after GC, before and after
// `idle` connections: over HTTP/2 `idle / perSession` sessions, over HTTP/1.1 one TLS socket each).
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { delayingProxy } from './http2-delay.js';
import { closeCleanly, openOverHttp1, openOverHttp2, openWithClient, pageSession, TicketStore, type Opened } from './http2-clients.js';
import { echoOver } from './load/raw-client.js';
import { TopicsBenchChild } from './topics-child.js';
import { percentile } from './topics-latency.js';

export interface Http2BenchSettings {
  rounds: number;
  opens: number;
  /** The open-time row again through bench/http2-delay.ts's proxy: `opens` per variant and round at `rttMs`. */
  network: { rttMs: number; opens: number };
  echo: { messages: number; window: number };
  idle: { connections: number; perSession: number; rounds: number };
}

export const HTTP2_FULL: Http2BenchSettings = { rounds: 5, opens: 1000, network: { rttMs: 20, opens: 40 }, echo: { messages: 50_000, window: 256 }, idle: { connections: 2000, perSession: 200, rounds: 3 } };
export const HTTP2_QUICK: Http2BenchSettings = { rounds: 2, opens: 100, network: { rttMs: 20, opens: 10 }, echo: { messages: 5000, window: 256 }, idle: { connections: 300, perSession: 100, rounds: 1 } };

const variants = ['h2', 'h2 client', 'h1 resumed', 'h1 full'] as const;
type Variant = (typeof variants)[number];

/** The server process and how to open a WebSocket to it for each variant. */
interface Target {
  server: TopicsBenchChild;
  port: number;
  ca: string;
}

async function startServer(files: number): Promise<Target> {
  const server = new TopicsBenchChild('./http2-server.ts', {}, files);
  const { port, cert } = (await server.ready) as { port: number; cert: string };
  return { server, port, ca: cert };
}

/** What opens one WebSocket of `variant`, and what to release after. */
async function opener(target: Target, variant: Variant, port = target.port): Promise<{ open: () => Promise<Opened>; release: () => void }> {
  const { ca } = target;
  if (variant === 'h2' || variant === 'h2 client') {
    const session = await pageSession(port, ca);
    const open = variant === 'h2' ? () => openOverHttp2(session, port) : () => openWithClient(session, port);
    return { open, release: () => session.close() };
  }
  if (variant === 'h1 full') return { open: () => openOverHttp1(port, ca), release: () => undefined };
  const tickets = new TicketStore();
  await closeCleanly(await openOverHttp1(port, ca, tickets)); // the page's visit left a ticket
  return { open: () => openOverHttp1(port, ca, tickets), release: () => undefined };
}

const cpuOf = (target: Target) => target.server.request<number>('cpu');

/** One round of sequential opens: each one's time until open, and the server's CPU per open + close. */
async function openRound(target: Target, variant: Variant, count: number, port?: number): Promise<{ ms: number[]; cpuUs: number }> {
  const { open, release } = await opener(target, variant, port);
  const ms: number[] = [];
  const cpuBefore = await cpuOf(target);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const opened = await open();
    ms.push(performance.now() - started);
    await closeCleanly(opened);
  }
  const cpuUs = ((await cpuOf(target)) - cpuBefore) / count;
  release();
  return { ms, cpuUs };
}

/** The server's CPU per echoed message over one connection, after a warm-up of a tenth. */
async function echoRound(target: Target, variant: Variant, { messages, window }: Http2BenchSettings['echo']): Promise<number> {
  const { open, release } = await opener(target, variant);
  const opened = await open();
  let received = 0;
  let sent = 0;
  let goal = 0;
  let done = (): void => undefined;
  const client = echoOver(opened.stream, 'x'.repeat(64), (frames) => {
    received += frames;
    const more = Math.min(frames, goal - sent);
    if (more > 0) {
      sent += more;
      client.send(more);
    }
    if (received === goal) done();
  }, opened.rest);
  const run = (count: number): Promise<void> =>
    new Promise((resolve) => {
      goal += count;
      done = resolve;
      const first = Math.min(window, count);
      sent += first;
      client.send(first);
    });
  await run(Math.max(100, messages / 10));
  const cpuBefore = await cpuOf(target);
  await run(messages);
  const cpuUs = ((await cpuOf(target)) - cpuBefore) / messages;
  await client.close();
  release();
  return cpuUs;
}

/** Memory per idle WebSocket of `variant` in a fresh server process. */
async function idleRound(variant: Variant, { connections, perSession }: Http2BenchSettings['idle']): Promise<{ rssKiB: number; heapKiB: number }> {
  const target = await startServer(connections + 1024);
  const releases: (() => void)[] = [];
  const opened: Opened[] = [];
  try {
    // Warm-up: the code paths of opening and closing have run before the baseline.
    const warm = await opener(target, variant);
    for (let index = 0; index < 20; index++) await closeCleanly(await warm.open());
    warm.release();
    const before = await target.server.request<{ rss: number; heapUsed: number }>('memory');
    // Over HTTP/2, `perSession` streams on each of a few sessions; over HTTP/1.1 a socket each.
    const perGroup = variant === 'h2' ? perSession : connections;
    while (opened.length < connections) {
      const { open, release } = await opener(target, variant);
      releases.push(release);
      const end = Math.min(connections, opened.length + perGroup);
      while (opened.length < end) opened.push(...(await Promise.all(Array.from({ length: Math.min(50, end - opened.length) }, open))));
    }
    const open = await target.server.request<number>('connections');
    if (open !== connections) throw new Error(`${open} of ${connections} connections open`);
    const after = await target.server.request<{ rss: number; heapUsed: number }>('memory');
    return { rssKiB: (after.rss - before.rss) / connections / 1024, heapKiB: (after.heapUsed - before.heapUsed) / connections / 1024 };
  } finally {
    for (const { stream } of opened) stream.destroy();
    for (const release of releases) release();
    target.server.stop();
  }
}

export interface Http2BenchResult {
  settings: Http2BenchSettings;
  open: Record<Variant, { p50Ms: number; p99Ms: number; cpuUsPerHandshake: number; overNetworkP50Ms: number }>;
  echoCpuUsPerMessage: Record<'h2' | 'h1', number>;
  idle: Record<'h2' | 'h1', { rssKiB: number; heapKiB: number }>;
}

const median = (values: number[]): number => percentile(values, 50);

export async function runHttp2Bench(settings: Http2BenchSettings): Promise<Http2BenchResult> {
  const target = await startServer(4096);
  const ms = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
  const cpu = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
  const overNetwork = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
  const echo = { h2: [] as number[], h1: [] as number[] };
  const proxy = await delayingProxy(target.port, settings.network.rttMs);
  try {
    // A round of each, not counted: JIT and TLS warm-up.
    for (const variant of variants) await openRound(target, variant, Math.ceil(settings.opens / 5));
    for (let round = 0; round < settings.rounds; round++) {
      // Each round starts at another variant.
      for (let step = 0; step < variants.length; step++) {
        const variant = variants[(round + step) % variants.length]!;
        const sample = await openRound(target, variant, settings.opens);
        ms.get(variant)!.push(...sample.ms);
        cpu.get(variant)!.push(sample.cpuUs);
        overNetwork.get(variant)!.push(...(await openRound(target, variant, settings.network.opens, proxy.port)).ms);
      }
      for (const variant of round % 2 === 0 ? (['h2', 'h1 resumed'] as const) : (['h1 resumed', 'h2'] as const)) {
        echo[variant === 'h2' ? 'h2' : 'h1'].push(await echoRound(target, variant, settings.echo));
      }
    }
  } finally {
    proxy.close();
    target.server.stop();
  }
  const idle = { h2: [] as { rssKiB: number; heapKiB: number }[], h1: [] as { rssKiB: number; heapKiB: number }[] };
  for (let round = 0; round < settings.idle.rounds; round++) {
    for (const variant of round % 2 === 0 ? (['h2', 'h1 resumed'] as const) : (['h1 resumed', 'h2'] as const)) {
      idle[variant === 'h2' ? 'h2' : 'h1'].push(await idleRound(variant, settings.idle));
    }
  }
  const idleMedian = (samples: { rssKiB: number; heapKiB: number }[]) => ({ rssKiB: median(samples.map((s) => s.rssKiB)), heapKiB: median(samples.map((s) => s.heapKiB)) });
  const open = Object.fromEntries(
    variants.map((variant) => [
      variant,
      { p50Ms: percentile(ms.get(variant)!, 50), p99Ms: percentile(ms.get(variant)!, 99), cpuUsPerHandshake: median(cpu.get(variant)!), overNetworkP50Ms: median(overNetwork.get(variant)!) },
    ]),
  ) as Http2BenchResult['open'];
  return { settings, open, echoCpuUsPerMessage: { h2: median(echo.h2), h1: median(echo.h1) }, idle: { h2: idleMedian(idle.h2), h1: idleMedian(idle.h1) } };
}

/** The result as table rows: what, HTTP/2, HTTP/1.1 (resumed TLS), HTTP/1.1 (full TLS), HTTP/2 ÷ HTTP/1.1 resumed. */
export function http2Rows(result: Http2BenchResult): string[][] {
  const { open, echoCpuUsPerMessage: echo, idle, settings } = result;
  const ratio = (h2: number, h1: number) => `${(h2 / h1).toFixed(2)}×`;
  const n = settings.idle.connections.toLocaleString('en-US');
  return [
    ['metric', 'HTTP/2 stream', 'HTTP/1.1, resumed TLS', 'HTTP/1.1, full TLS', 'HTTP/2 ÷ HTTP/1.1 resumed', "HTTP/2, upsocket's connect()"],
    ['Time until open, p50 (ms)', open.h2.p50Ms.toFixed(3), open['h1 resumed'].p50Ms.toFixed(3), open['h1 full'].p50Ms.toFixed(3), ratio(open.h2.p50Ms, open['h1 resumed'].p50Ms), open['h2 client'].p50Ms.toFixed(3)],
    ['Time until open, p99 (ms)', open.h2.p99Ms.toFixed(3), open['h1 resumed'].p99Ms.toFixed(3), open['h1 full'].p99Ms.toFixed(3), ratio(open.h2.p99Ms, open['h1 resumed'].p99Ms), open['h2 client'].p99Ms.toFixed(3)],
    [`Time until open over a ${settings.network.rttMs} ms round trip, p50 (ms)`, open.h2.overNetworkP50Ms.toFixed(1), open['h1 resumed'].overNetworkP50Ms.toFixed(1), open['h1 full'].overNetworkP50Ms.toFixed(1), ratio(open.h2.overNetworkP50Ms, open['h1 resumed'].overNetworkP50Ms), open['h2 client'].overNetworkP50Ms.toFixed(1)],
    ['Server CPU per handshake, open + close (µs)', open.h2.cpuUsPerHandshake.toFixed(0), open['h1 resumed'].cpuUsPerHandshake.toFixed(0), open['h1 full'].cpuUsPerHandshake.toFixed(0), ratio(open.h2.cpuUsPerHandshake, open['h1 resumed'].cpuUsPerHandshake), open['h2 client'].cpuUsPerHandshake.toFixed(0)],
    ['Server CPU per echoed 64 B message (µs)', echo.h2.toFixed(2), echo.h1.toFixed(2), '–', ratio(echo.h2, echo.h1), '–'],
    [`Server memory per idle WebSocket, RSS (KiB; ${n} open)`, idle.h2.rssKiB.toFixed(2), idle.h1.rssKiB.toFixed(2), '–', ratio(idle.h2.rssKiB, idle.h1.rssKiB), '–'],
    [`Server memory per idle WebSocket, heap (KiB; ${n} open)`, idle.h2.heapKiB.toFixed(2), idle.h1.heapKiB.toFixed(2), '–', ratio(idle.h2.heapKiB, idle.h1.heapKiB), '–'],
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } } });
  const started = Date.now();
  const result = await runHttp2Bench(values.quick ? HTTP2_QUICK : HTTP2_FULL);
  for (const row of http2Rows(result)) console.log(`| ${row.join(' | ')} |`);
  console.log(`${Math.round((Date.now() - started) / 1000)} s, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
