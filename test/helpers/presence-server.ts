// A real upsocket server with presence on one topic, 'room'. A connection to
// `/?user=<key>&meta=<json>` is tracked under that key (none without `user`); `&watch=1` also
// subscribes it with { presence: true }. It says `update:<json>` to update its meta, `untrack` to
// untrack, `track` to be tracked once more. `down(user)` drops that user's connections and refuses
// their upgrades (503, which clients retry) until `up()`. PresenceWatcher is a ws client that keeps the list from
// the presence frames, with the wire module's PresenceList, and keeps every frame for assertions.
import http, { type RequestListener } from 'node:http';
import WebSocket from 'ws';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { createTopics, type Connection, type PresenceOptions, type PresenceTracking, type TopicBackend } from '../../src/index.js';
import { parseEnvelope, PresenceList, type EnvelopePresence, type PresenceChangeOf } from '../../src/wire/index.js';
import { onCleanup } from './cleanup.js';
import { listen } from './server.js';
import { TestClient } from './ws-client.js';

export interface PresenceServerOptions {
  presence?: PresenceOptions | undefined;
  backend?: TopicBackend | undefined;
  onRequest?: RequestListener | undefined;
}

export async function presenceServer(options: PresenceServerOptions = {}) {
  const topics = createTopics({ presence: options.presence, backend: options.backend });
  onCleanup(() => topics.close());
  const connections = new Set<Connection>();
  const trackings: PresenceTracking[] = [];
  const handler = async (connection: Connection): Promise<void> => {
    connections.add(connection);
    const url = new URL(connection.request.url ?? '/', 'http://localhost');
    const user = userOf(connection.request.url);
    const meta = JSON.parse(url.searchParams.get('meta') ?? 'null') as unknown;
    if (url.searchParams.get('watch') === '1') await topics.subscribe(connection, 'room', { presence: true });
    let tracking = user === null ? undefined : topics.track(connection, 'room', user, meta);
    if (tracking !== undefined) trackings.push(tracking);
    for await (const message of connection) {
      const text = message.text();
      if (text.startsWith('update:')) tracking?.update(JSON.parse(text.slice('update:'.length)));
      else if (text === 'untrack') tracking?.untrack();
      else if (text === 'track' && user !== null) trackings.push((tracking = topics.track(connection, 'room', user, meta)));
    }
    connections.delete(connection);
  };
  let down: string | undefined;
  const userOf = (url: string | undefined): string | null => new URL(url ?? '/', 'http://localhost').searchParams.get('user');
  const server = http.createServer((req, res) => {
    if (down !== undefined && req.headers.upgrade !== undefined && userOf(req.url) === down) return void res.writeHead(503).end();
    if (!open(req, handler)) (options.onRequest ?? ((_request, response) => response.writeHead(404).end()))(req, res);
  });
  const started = await listen(server, attach(server, { heartbeat: false }));
  const url = (query: Record<string, string>): string => `${started.wsUrl}/?${new URLSearchParams(query)}`;
  return {
    ...started,
    topics,
    connections,
    trackings,
    url,
    /** Closes the connections of `user` with 1012 and answers their upgrades 503 until `up()`. */
    down(user: string): void {
      down = user;
      for (const connection of connections) if (userOf(connection.request.url) === user) void connection.close(1012);
    },
    up(): void {
      down = undefined;
    },
  };
}

/** A client that keeps the presence of 'room' from the frames it receives. */
export class PresenceWatcher {
  readonly list = new PresenceList();
  readonly frames: EnvelopePresence[] = [];
  readonly changes: PresenceChangeOf[] = [];
  readonly client: TestClient;

  private constructor(client: TestClient) {
    this.client = client;
    client.ws.on('message', (data: Buffer) => {
      const frame = parseEnvelope(data.toString());
      if (frame === undefined || (frame.kind !== 'state' && frame.kind !== 'diff')) return;
      this.frames.push(frame);
      this.changes.push(...(frame.kind === 'state' ? this.list.state(frame.members) : this.list.diff(frame.joins, frame.leaves)));
    });
  }

  /** Listens before the socket opens: the state may come in the same read as the 101. */
  static async connect(url: string): Promise<PresenceWatcher> {
    const ws = new WebSocket(url);
    onCleanup(() => ws.terminate());
    const watcher = new PresenceWatcher(new TestClient(ws));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return watcher;
  }

  /** The members' keys, sorted. */
  get keys(): string[] {
    return Object.keys(this.list.members).sort();
  }
}
