import type { IncomingMessage } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import WebSocket, { type ClientOptions } from 'ws';
import { HandshakeError } from '../../src/client/handshake-error.js';
import { openHttp2WebSocket } from '../../src/client/http2-handshake.js';
import { connectOptions } from '../../src/client/options.js';
import { onCleanup } from './cleanup.js';

/**
 * ws's client options, plus `http2`: open the WebSocket as an RFC 8441 extended CONNECT stream
 * (`true`: on a session of its own to the URL's origin; or on the session given) rather than an
 * HTTP/1.1 upgrade. ws's framing either way, so `client.ws` is the same API.
 */
export type TestClientOptions = ClientOptions & { http2?: true | ClientHttp2Session | undefined };

/**
 * upsocket's client handshake over HTTP/2 with what a ws client would send: the same headers and
 * origin, permessage-deflate offered unless `perMessageDeflate: false`, ws's 100 MiB `maxPayload`.
 */
function overHttp2<T>(url: string, protocols: string | string[] | undefined, options: TestClientOptions, opened: (ws: WebSocket) => T): Promise<T> {
  const headers = { ...options.headers, ...(options.origin === undefined ? {} : { origin: options.origin }) };
  const settings = connectOptions.resolve('TestClient', {
    protocols: protocols === undefined ? [] : [protocols].flat(),
    headers,
    compression: options.perMessageDeflate !== false,
    maxMessageSize: options.maxPayload ?? 100 * 1024 * 1024,
    http2: options.http2,
  });
  return openHttp2WebSocket(url, settings, (ws) => {
    onCleanup(() => ws.terminate());
    return opened(ws);
  });
}

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** What a refused handshake answered. */
export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A `ws` client that queues what it receives, for tests: `await client.next()` is the next
 * message, `client.closed` the close code and reason. Closed after the test.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #received: Received[] = [];
  readonly #waiters: ((message: Received) => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary) => {
      const message = { data, isBinary };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#received.push(message);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, protocols?: string | string[], options?: TestClientOptions): Promise<TestClient> {
    // Built in the tick the stream opens, so no message the server sends at once is missed.
    if (options?.http2 !== undefined) return overHttp2(url, protocols, options, (ws) => new TestClient(ws));
    const ws = new WebSocket(url, protocols, options);
    onCleanup(() => ws.terminate());
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`unexpected HTTP ${response.statusCode}`)));
    });
    return client;
  }

  /** The next message, failing after `timeout` ms. */
  next(timeout = 5000): Promise<Received> {
    const queued = this.#received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within timeout')), timeout);
      this.#waiters.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  async nextText(timeout?: number): Promise<string> {
    const message = await this.next(timeout);
    if (message.isBinary) throw new Error('expected a text message, got binary');
    return message.data.toString();
  }
}

/**
 * Attempts a handshake that the server is expected to refuse; resolves with the HTTP answer (over
 * HTTP/2: the stream's `:status`, headers and body). Fails if the server answered 101 (or 200).
 */
export function expectRefusal(url: string, options?: TestClientOptions & { protocols?: string[] }): Promise<HttpAnswer> {
  if (options?.http2 !== undefined) {
    return overHttp2(url, options.protocols, options, () => undefined).then(
      () => Promise.reject(new Error('the WebSocket opened: the server answered :status 200')),
      (error: unknown) => {
        if (!(error instanceof HandshakeError) || error.status === 0 || error.status === 200) throw error;
        return { status: error.status, headers: error.headers, body: error.body };
      },
    );
  }
  const ws = new WebSocket(url, options?.protocols, options);
  onCleanup(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('upgrade', () => reject(new Error('the server answered 101 Switching Protocols')));
    ws.once('open', () => reject(new Error('the WebSocket opened')));
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
  });
}
