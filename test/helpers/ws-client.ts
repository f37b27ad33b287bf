import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import { onCleanup } from './cleanup.js';

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

  static async connect(url: string, protocols?: string | string[], options?: ClientOptions): Promise<TestClient> {
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
 * Attempts a handshake that the server is expected to refuse; resolves with the HTTP answer.
 * Fails if the server answered 101.
 */
export function expectRefusal(url: string, options?: ClientOptions & { protocols?: string[] }): Promise<HttpAnswer> {
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
