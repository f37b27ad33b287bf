// A server for the history tests (routes: test/fixtures/history-routes.ts), closed after the test,
// and what its clients need to read the envelope.
import http from 'node:http';
import { attach } from '../../src/adapters/node-http/index.js';
import { expect } from 'vitest';
import { compareIds, type SubscribeResult, type Topics } from '../../src/index.js';
import { historyRoutes, type Subscribe } from '../fixtures/history-routes.js';
import { onCleanup } from '../helpers/cleanup.js';
import { listen } from '../helpers/server.js';
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
