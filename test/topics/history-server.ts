// A server for the history tests: /sub/<topic> subscribes the connection with `since` from the
// upgrade URL's upsocket-resume parameter (resumePoints) and `envelope` from ?envelope=1|0 (absent:
// the topics' default); /pub/<topic> publishes every message it receives (text as text, binary as
// binary). `subscribe` can be replaced to run something around the subscribe call.
import http, { type IncomingMessage } from 'node:http';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { resumePoints, type Connection, type SubscribeOptions, type SubscribeResult, type Topics } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { listen } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

export type Subscribe = (connection: Connection, topic: string, options: SubscribeOptions, request: IncomingMessage) => Promise<SubscribeResult>;

export async function startHistoryServer(topics: Topics, subscribe?: Subscribe) {
  onCleanup(() => topics.close());
  const results: SubscribeResult[] = [];
  const subscribeWith: Subscribe = subscribe ?? ((connection, topic, options) => topics.subscribe(connection, topic, options));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, route, encoded] = url.pathname.split('/');
    const topic = decodeURIComponent(encoded ?? '');
    const joined = open(req, async (connection) => {
      if (route === 'sub') {
        const flag = url.searchParams.get('envelope');
        const options: SubscribeOptions = { since: resumePoints(req)[topic], envelope: flag === null ? undefined : flag === '1' };
        results.push(await subscribeWith(connection, topic, options, req));
        for await (const message of connection) void message;
      } else {
        for await (const message of connection) await topics.publish(topic, message.type === 'text' ? message.text() : message.data);
      }
    });
    if (!joined) res.writeHead(404).end();
  });
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
