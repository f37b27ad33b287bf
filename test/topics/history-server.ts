// A server for the history tests (routes: test/fixtures/history-routes.ts), closed after the test,
// and what its clients need to read the envelope.
import http from 'node:http';
import { attach } from '../../src/adapters/node-http/index.js';
import type { SubscribeResult, Topics } from '../../src/index.js';
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

/** Reads envelope frames up to and including the seam marker; returns the messages before it and the seam. */
export async function readUntilSeam(client: TestClient): Promise<{ replayed: Enveloped[]; seam: Enveloped }> {
  const replayed: Enveloped[] = [];
  for (;;) {
    const frame = await nextEnvelope(client);
    if (frame.id === undefined && frame.text === undefined && frame.binary === undefined) return { replayed, seam: frame };
    replayed.push(frame);
  }
}
