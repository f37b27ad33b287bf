// A server for the history tests (routes: test/fixtures/history-routes.ts), closed after the test,
// and what its clients need to read the envelope.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { attach } from '../../src/adapters/node-http/index.js';
import { expect } from 'vitest';
import { compareIds, type SubscribeResult, type Topics } from '../../src/index.js';
import { historyRoutes, type Subscribe } from '../fixtures/history-routes.js';
import { onCleanup } from '../helpers/cleanup.js';
import { delay, listen } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

export type { Subscribe };

export async function startHistoryServer(topics: Topics, subscribe?: Subscribe) {
  onCleanup(() => topics.close());
  const results: SubscribeResult[] = [];
  const server = http.createServer(historyRoutes(topics, results, subscribe));
  const started = await listen(server, attach(server, { heartbeat: false }));
  /** Connects to /sub/<topic>, resuming from `since` when given. */
  const join = (topic: string, since?: string, envelope?: boolean): Promise<TestClient> => {
    const query = new URLSearchParams();
    if (since !== undefined) query.set('upsocket-resume', JSON.stringify({ [topic]: since }));
    if (envelope !== undefined) query.set('envelope', envelope ? '1' : '0');
    return TestClient.connect(`${started.wsUrl}/sub/${encodeURIComponent(topic)}?${query}`);
  };
  return { ...started, results, join };
}

/** One frame of the envelope, parsed. */
export interface Enveloped {
  topic: string;
  id?: string;
  text?: string;
  binary?: string;
  after?: string;
  gap?: boolean;
}

export async function nextEnvelope(client: TestClient, timeout?: number): Promise<Enveloped> {
  return JSON.parse(await client.nextText(timeout)) as Enveloped;
}

/** The next `count` envelope frames. */
export async function receive(client: TestClient, count: number): Promise<Enveloped[]> {
  const frames: Enveloped[] = [];
  while (frames.length < count) frames.push(await nextEnvelope(client));
  return frames;
}

/** Reads envelope frames until `done(frames)` says it has them all. */
export async function readUntil(client: TestClient, done: (frames: Enveloped[]) => boolean, timeout?: number): Promise<Enveloped[]> {
  const frames: Enveloped[] = [];
  while (!done(frames)) frames.push(await nextEnvelope(client, timeout));
  return frames;
}

/** The texts of the messages among `frames`, and the seams (frames without an id). */
export function messagesAndSeams(frames: Enveloped[]): { texts: (string | undefined)[]; seams: Enveloped[] } {
  return { texts: frames.filter((frame) => frame.id !== undefined).map((frame) => frame.text), seams: frames.filter((frame) => frame.id === undefined) };
}

/** Reads envelope frames up to and including the seam marker; returns the messages before it and the seam. */
export async function readUntilSeam(client: TestClient): Promise<{ replayed: Enveloped[]; seam: Enveloped }> {
  const replayed: Enveloped[] = [];
  for (;;) {
    const frame = await nextEnvelope(client);
    if (frame.id === undefined && frame.text === undefined && frame.binary === undefined) return { replayed, seam: frame };
    replayed.push(frame);
  }
}

/**
 * The end of a resume test: `client` has resumed after `received`; reads the replay and the live
 * messages until there are `total`, and checks they are `m0`… exactly once, in id order, with no
 * gap and a replay of more than 20 (the messages published while the client was away).
 */
export async function expectAllAfterResume(client: TestClient, received: Enveloped[], total: number): Promise<void> {
  const { replayed, seam } = await readUntilSeam(client);
  expect(seam.gap).toBeUndefined();
  expect(replayed.length).toBeGreaterThan(20);
  received.push(...replayed);
  while (received.length < total) received.push(await nextEnvelope(client));
  expect(received.map((frame) => frame.text)).toEqual(Array.from({ length: total }, (_, index) => `m${index}`));
  for (let index = 1; index < total; index++) expect(compareIds(received[index - 1]!.id!, received[index]!.id!)).toBeLessThan(0);
  // Nothing after the last: no duplicate arrives late.
  expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
}

const publisherScript = fileURLToPath(new URL('../fixtures/topics-publisher.ts', import.meta.url));

/**
 * The resume scenario of issue 14: `join('room')` subscribes; another process publishes 100
 * messages through `publishUrl` over about 2.5 s; after 5 the client drops for 2 s, comes back
 * through `rejoin(lastId)`, and must get every message once, in order.
 */
export async function expectDropAndResume(
  join: (topic: string) => Promise<TestClient>,
  publishUrl: string,
  rejoin: (lastId: string) => Promise<TestClient>,
): Promise<void> {
  let client = await join('room');
  // No message yet: no `after` from the memory history, the stream's anchor from Redis's; no gap.
  const seam = await nextEnvelope(client);
  expect(seam.topic).toBe('room');
  expect(seam.gap).toBeUndefined();
  const publisher = fork(publisherScript, [publishUrl, '100', '25'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onCleanup(() => publisher.exitCode === null && publisher.kill('SIGKILL'));
  const exited = once(publisher, 'exit');
  const received: Enveloped[] = [];
  while (received.length < 5) received.push(await nextEnvelope(client));
  // The network drops; for two seconds nobody is subscribed while the publisher goes on.
  client.ws.terminate();
  await delay(2000);
  client = await rejoin(received.at(-1)!.id!);
  await expectAllAfterResume(client, received, 100);
  expect(await exited).toEqual([0, null]);
}
