import { decodeBinary, delayAfterClose, parseEnvelopeJson, PresenceList, ResumePoints, type EnvelopePresence } from '../wire/index.js';
import {
  ResumableError,
  ResumableErrorEvent,
  ResumableGapEvent,
  ResumableMessageEvent,
  ResumablePresenceEvent,
  ResumableReconnectEvent,
  ResumableStateEvent,
  type ResumablePresenceMeta,
  type ResumableEventMap,
  type ResumableState,
} from './events.js';
import { resolveOptions, type ResumableOptions, type ResumableSettings, type WebSocketLike } from './options.js';

type Outgoing = string | ArrayBuffer | ArrayBufferView;
type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };
type AnyListener = ((event: Event) => void) | { handleEvent(event: Event): void };
const OPEN = 1;
const ignoreError = (): void => {};

/**
 * A WebSocket that reconnects by itself and resumes topics where it left off. Created by
 * `connectResumable()`; see there.
 *
 * @example
 * const client: ResumableClient = connectResumable('wss://chat.example/chat')
 * addEventListener('pagehide', () => sessionStorage.setItem('lastIds', JSON.stringify(client.lastIds)))
 */
export class ResumableClient extends EventTarget {
  readonly #url: string;
  readonly #settings: ResumableSettings;
  readonly #points: ResumePoints;
  readonly #queue: Outgoing[] = [];
  /** Per topic whose presence the server sends: the members, kept from its state and diffs. */
  readonly #presence = new Map<string, PresenceList>();
  #state: ResumableState = 'connecting';
  #socket: WebSocketLike | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @internal Created by `connectResumable()`. */
  constructor(url: string | URL, options: ResumableOptions) {
    super();
    this.#url = String(url);
    this.#settings = resolveOptions(options);
    this.#points = new ResumePoints(this.#settings.since);
    // After the caller's synchronous code, so listeners added right after creation see everything.
    queueMicrotask(() => this.#connect());
  }

  /** `connecting`, `open`, `reconnecting` or `closed`; each change is dispatched as a `'state'` event. */
  get state(): ResumableState {
    return this.#state;
  }

  /** The last message id seen per topic (a copy): store it to resume after a page reload with `since`. */
  get lastIds(): Record<string, string> {
    return this.#points.lastIds;
  }

  /**
   * The members of `topic` (`{ key: [{ ref, meta }] }`, a copy), for a topic the server sends the
   * presence of (`subscribe(…, { presence: true })`); `{}` before its first state. After a drop it
   * shows the list from before until the new connection's state replaces it.
   *
   * @example
   * const online = Object.keys(client.presence('room:lobby')).length
   */
  presence(topic: string): Record<string, ResumablePresenceMeta[]> {
    return this.#presence.get(topic)?.members ?? {};
  }

  /** Messages waiting in the queue for the next connection (only with `queue`). */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Sends a text (string) or binary message. While not open it throws `ResumableError`
   * `UPSOCKET_CLOSED`, unless the client has a `queue`: then the message waits for the next
   * connection, and `UPSOCKET_QUEUE_FULL` is thrown once `queue.max` messages wait. After
   * `close()` it always throws `UPSOCKET_CLOSED`. Nothing is dropped without an error.
   */
  send(data: Outgoing): void {
    if (this.#state === 'closed') throw new ResumableError('UPSOCKET_CLOSED', 'Cannot send: the client was closed');
    if (this.#socket?.readyState === OPEN && this.#state === 'open') return this.#socket.send(data);
    const max = this.#settings.queueMax;
    if (max === undefined) throw new ResumableError('UPSOCKET_CLOSED', `Cannot send while ${this.#state}: not connected (pass queue: { max } to queue)`);
    if (this.#queue.length >= max) throw new ResumableError('UPSOCKET_QUEUE_FULL', `Cannot send: ${max} messages already wait for the connection`);
    this.#queue.push(data);
  }

  /** Stops reconnecting and closes the connection; queued messages are dropped. */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#queue.length = 0;
    if (socket !== undefined) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Not null: ws's WebSocket (Node 20) closed while connecting emits 'error', which with no
      // listener would be thrown as an uncaught exception.
      socket.onerror = ignoreError;
      socket.close(code, reason);
    }
    this.#setState('closed');
  }

  override addEventListener<K extends keyof ResumableEventMap>(type: K, listener: ((event: ResumableEventMap[K]) => void), options?: ListenerOptions): void;
  override addEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void;
  override addEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof ResumableEventMap>(type: K, listener: ((event: ResumableEventMap[K]) => void), options?: ListenerOptions): void;
  override removeEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void;
  override removeEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }

  #setState(state: ResumableState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new ResumableStateEvent(state));
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    let socket: WebSocketLike;
    try {
      socket = new this.#settings.WebSocket(this.#points.url(this.#url), this.#settings.protocols);
    } catch (error) {
      // A malformed URL: retrying would fail the same way.
      this.dispatchEvent(new ResumableErrorEvent(error as Error));
      return this.close();
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => this.#opened();
    socket.onmessage = ({ data }) => this.#received(data);
    socket.onerror = () => this.dispatchEvent(new ResumableErrorEvent(new Error(`WebSocket to ${this.#url} failed`)));
    socket.onclose = ({ code, reason }) => this.#dropped(code, reason);
  }

  #opened(): void {
    this.#attempt = 0;
    this.#setState('open');
    const socket = this.#socket;
    for (const data of this.#queue.splice(0)) socket?.send(data);
  }

  #received(data: unknown): void {
    if (typeof data !== 'string') {
      this.dispatchEvent(new ResumableMessageEvent(new Uint8Array(data as ArrayBuffer)));
      return;
    }
    // The JSON path alone: the scan of the server's shape (envelope-scan.ts) pays off for a Node
    // process with thousands of clients, not for a page with one, and would add ~1.5 KB to the bundle.
    const envelope = parseEnvelopeJson(data);
    if (envelope === undefined) {
      this.dispatchEvent(new ResumableMessageEvent(data));
    } else if (envelope.kind === 'state' || envelope.kind === 'diff') {
      this.#presenceFrame(envelope);
    } else if (envelope.kind === 'seam') {
      if (this.#points.seam(envelope.topic, envelope.after, envelope.gap)) this.dispatchEvent(new ResumableGapEvent(envelope.topic));
    } else if (envelope.id === undefined || this.#points.accept(envelope.topic, envelope.id)) {
      const payload = envelope.binary ? decodeBinary(envelope.data) : envelope.data;
      this.dispatchEvent(new ResumableMessageEvent(payload, envelope.topic, envelope.id));
    }
  }

  #presenceFrame(frame: EnvelopePresence): void {
    let list = this.#presence.get(frame.topic);
    if (list === undefined) this.#presence.set(frame.topic, (list = new PresenceList()));
    const changes = frame.kind === 'state' ? list.state(frame.members) : list.diff(frame.joins, frame.leaves);
    for (const { type, key, metas } of changes) this.dispatchEvent(new ResumablePresenceEvent(frame.topic, type, key, metas));
  }

  #dropped(code: number, reason: string): void {
    this.#socket = undefined;
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.dispatchEvent(new ResumableErrorEvent(new Error(`Connection closed (${code})${reason === '' ? '' : `: ${reason}`}`)));
    this.#setState('reconnecting');
    this.#attempt++;
    const { initialDelay, maxDelay, restartDelay } = this.#settings;
    // A server going away or restarting (a deploy) closed every page at once: spread their return.
    const delay = delayAfterClose(code, restartDelay) ?? Math.round(Math.min(maxDelay, initialDelay * 2 ** (this.#attempt - 1)) * (1 - 0.5 * Math.random()));
    this.#timer = setTimeout(() => this.#connect(), delay);
    this.dispatchEvent(new ResumableReconnectEvent(this.#attempt, delay, code));
  }
}

/**
 * Opens a WebSocket to `url` that reconnects by itself (capped exponential backoff with jitter;
 * after a close with 1001, 1012 or 1013, a random delay spread over `backoff.restart`) and
 * resumes upsocket topics: it keeps the last envelope id per topic, asks the server to replay
 * what came after it (`upsocket-resume` query parameter) on each reconnect, drops duplicates, and
 * dispatches `'gap'` when the server could not replay everything. Part of `upsocket/browser`:
 * ESM, no dependencies, a few KB. `close()` stops it.
 *
 * @example
 * const client = connectResumable('wss://chat.example/chat', { queue: { max: 100 } })
 * client.addEventListener('message', ({ topic, data }) => render(topic, data))
 * client.addEventListener('gap', ({ topic }) => reloadHistory(topic))
 * client.addEventListener('state', ({ state }) => (status.textContent = state))
 * client.send('hello')
 */
export function connectResumable(url: string | URL, options: ResumableOptions = {}): ResumableClient {
  return new ResumableClient(url, options);
}
