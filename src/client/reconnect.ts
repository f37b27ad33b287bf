import { backoffDelay, retryAfterDelay } from './backoff.js';
import { openClient } from './handshake.js';
import { ClosedError, UpsocketError, type BinaryData, type CloseInfo, type Connection, type Handler } from '../core/index.js';
import { guardedOnError, runHandler } from '../core/internal.js';
import { reconnectOptions, type ReconnectOptions, type ReconnectSettings, type ReconnectState } from './reconnect-options.js';
import { ResumeTracker } from './resume.js';
import type { PresenceMembers } from '../wire/index.js';
import { retryAfterOf } from './retry-after.js';
import { delayAfterClose } from '../wire/index.js';

export type { ReconnectEvent, ReconnectOptions, ReconnectState } from './reconnect-options.js';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}

/**
 * What `reconnecting()` returns: the current connection, if any, and writes that go to it. While
 * disconnected, writes throw `ClosedError` (with the last close code, 1006 before the first
 * connection): nothing is queued across connections, so nothing is lost without an error.
 */
export class ReconnectingClient {
  readonly #url: string | URL;
  readonly #handler: Handler;
  /** Each attempt's `connect()` settings, with our own signal, and the backoff. */
  readonly #settings: ReconnectSettings;
  /** Where the handler's errors and the one the client gave up on go; built once from `onError`. */
  readonly #report: (error: unknown) => void;
  /** Aborted by `close()`: cancels a running attempt or wait. */
  readonly #stop = new AbortController();
  /** With `resume`: the last id per topic, and the filter that drops what was already seen. */
  readonly #resume: ResumeTracker | undefined;
  #state: ReconnectState = 'connecting';
  #connection: Connection | undefined;
  #lastClose: CloseInfo = { code: 1006, reason: '' };
  #openWaiters: { resolve(connection: Connection): void; reject(error: unknown): void }[] = [];
  /** Resolves once the client stopped for good: `close()`, the caller's signal, or an error not worth retrying. */
  readonly stopped: Promise<void>;

  /** @internal Created by `reconnecting()`. */
  constructor(url: string | URL, handler: Handler, options: ReconnectOptions) {
    this.#url = url;
    this.#handler = handler;
    // First: it checks that options is an object with known keys and valid values, for all below.
    const settings = reconnectOptions.resolve('reconnecting()', options);
    this.#settings = { ...settings, signal: this.#stop.signal };
    const { onGap, onPresence } = settings;
    this.#resume = settings.resume
      ? new ResumeTracker(
          (topic) => this.#notify(() => onGap?.(topic)),
          (event) => this.#notify(() => onPresence?.(event)),
        )
      : undefined;
    this.#report = guardedOnError(settings.onError ?? ((error: unknown) => console.error(`upsocket: reconnecting client for ${String(url)}:`, error)));
    if (typeof handler !== 'function') {
      throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'reconnecting(url, handler): the handler must be a function');
    }
    const { signal } = settings;
    const signalOnAbort = (): void => void this.close(1001);
    if (signal?.aborted) this.#stop.abort();
    else signal?.addEventListener('abort', signalOnAbort, { once: true });
    this.stopped = this.#run().finally(() => signal?.removeEventListener('abort', signalOnAbort));
  }

  get state(): ReconnectState {
    return this.#state;
  }

  /**
   * With `resume`: the members of `topic` (`{ key: [{ ref, meta }] }`, a copy) when the server sends
   * its presence; `{}` before its first state or without `resume`.
   *
   * @example
   * const online = Object.keys(client.presence('room:lobby')).length
   */
  presence(topic: string): PresenceMembers {
    return this.#resume?.presence.get(topic)?.members ?? {};
  }

  /** With `resume`: the last envelope id seen per topic (a copy). Empty without `resume`. */
  get lastIds(): Record<string, string> {
    return this.#resume?.points.lastIds ?? {};
  }

  /** The open connection, or undefined while connecting, waiting or stopped. */
  get connection(): Connection | undefined {
    return this.#connection;
  }

  /** The current connection once it is open: now, or after the next successful attempt. Rejects with `ClosedError` once stopped. */
  opened(): Promise<Connection> {
    if (this.#connection !== undefined) return Promise.resolve(this.#connection);
    if (this.#state === 'stopped') return Promise.reject(this.#disconnected('wait for a connection'));
    return new Promise((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
  }

  /** `sendText()` on the current connection; throws `ClosedError` while there is none. */
  sendText(text: string): void {
    this.#current('send').sendText(text);
  }

  /** `sendBinary()` on the current connection; throws `ClosedError` while there is none. */
  sendBinary(bytes: BinaryData): void {
    this.#current('send').sendBinary(bytes);
  }

  /** `sendJSON()` on the current connection; throws `ClosedError` while there is none. */
  sendJSON(value: unknown): void {
    this.#current('send').sendJSON(value);
  }

  /** `flush()` on the current connection; rejects with `ClosedError` while there is none. */
  flush(): Promise<void> {
    const connection = this.#connection;
    return connection === undefined ? Promise.reject(this.#disconnected('flush')) : connection.flush();
  }

  /** Stops reconnecting, closes the current connection with `code`, and resolves once stopped. */
  close(code = 1000, reason = ''): Promise<void> {
    if (!this.#stop.signal.aborted) {
      const connection = this.#connection;
      if (connection?.state === 'open') void connection.close(code, reason);
      this.#stop.abort();
    }
    return this.stopped;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      const ended = await this.#connectOnce(() => (attempt = 0));
      if (ended === undefined || this.#stop.signal.aborted) break;
      attempt++;
      const delay = this.#delayAfter(ended, attempt);
      this.#state = 'waiting';
      this.#notify(() => this.#settings.onReconnect?.({ attempt, delay, ...ended }));
      await sleep(delay, this.#stop.signal);
    }
    this.#finish();
  }

  /** How long to wait before retry `attempt` after the connection or attempt `ended`. */
  #delayAfter(ended: { closed: CloseInfo } | { error: unknown }, attempt: number): number {
    // A server going away or restarting (a deploy) closed every client at once: spread their return.
    if ('closed' in ended) return delayAfterClose(ended.closed.code, this.#settings.restartDelay) ?? backoffDelay(attempt, this.#settings);
    // A 503 or 429 that says when to come back (Retry-After) is believed over the backoff.
    const retryAfter = retryAfterOf(ended.error);
    return retryAfter === undefined ? backoffDelay(attempt, this.#settings) : retryAfterDelay(attempt, this.#settings, retryAfter);
  }

  /** One attempt and, if it opens, one connection's life. Undefined when the client should stop. */
  async #connectOnce(onOpen: () => void): Promise<{ closed: CloseInfo } | { error: unknown } | undefined> {
    this.#state = 'connecting';
    let connection: Connection;
    try {
      const resume = this.#resume;
      connection = await (resume === undefined
        ? openClient(this.#url, this.#settings)
        : openClient(resume.points.url(String(this.#url)), this.#settings, undefined, resume.keep));
    } catch (error) {
      if (this.#stop.signal.aborted) return undefined;
      if (this.#settings.shouldRetry(error)) return { error };
      this.#report(error);
      return undefined;
    }
    onOpen();
    this.#connection = connection;
    this.#state = 'open';
    for (const waiter of this.#openWaiters.splice(0)) waiter.resolve(connection);
    await runHandler(connection, this.#handler, this.#report);
    const closed = await connection.closed;
    this.#connection = undefined;
    this.#lastClose = closed;
    return { closed };
  }

  #finish(): void {
    this.#state = 'stopped';
    for (const waiter of this.#openWaiters.splice(0)) waiter.reject(this.#disconnected('wait for a connection'));
  }

  #current(action: string): Connection {
    if (this.#connection === undefined) throw this.#disconnected(action);
    return this.#connection;
  }

  #disconnected(action: string): ClosedError {
    return new ClosedError(this.#lastClose.code, this.#lastClose.reason, action);
  }

  /** A throwing `onReconnect` must not stop the client. */
  #notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      console.error('upsocket: a reconnecting client callback threw:', error);
    }
  }
}

/**
 * Keeps a client connection to `url` up: runs `handler` on each connection (with the server's
 * lifetime rules) and, whenever a connection ends or an attempt fails, tries again after an
 * exponential backoff with jitter (500 ms doubling up to 30 s by default; reset once a connection
 * opens). After a 503 or 429 with `Retry-After`, the next attempt waits at least what the server
 * asked (believed up to `maxDelay`), plus jitter. After the server closed with 1001, 1012 or 1013
 * (a deploy), it waits a random delay spread over `restartDelay` (1 s), so that a whole server's
 * clients do not come back in the same instant. `close()` or aborting `signal` stops it. For
 * long-lived service-to-service links.
 *
 * Writes while disconnected throw `ClosedError`; nothing is buffered for the next connection.
 * Messages already handed to a connection that then drops may or may not have arrived, as with
 * any WebSocket: when that matters, have the peer acknowledge them and resend unacknowledged ones
 * from the handler when the next connection opens.
 *
 * @example
 * const feed = reconnecting('wss://prices.internal/feed', async (connection) => {
 *   connection.sendJSON({ subscribe: ['EURUSD'] })
 *   for await (const message of connection) onPrice(message.json())
 * }, {
 *   headers: { authorization: `Bearer ${token}` },
 *   onReconnect: ({ attempt, delay }) => log.warn(`feed down, retry ${attempt} in ${delay} ms`),
 * })
 * process.on('SIGTERM', () => feed.close())
 */
export function reconnecting(url: string | URL, handler: Handler, options: ReconnectOptions = {}): ReconnectingClient {
  return new ReconnectingClient(url, handler, options);
}
