// The events a ResumableClient dispatches. Plain `Event` subclasses: `Event` and `EventTarget` are
// globals in every current browser and in Node ≥ 15, so the bundle needs no polyfill.

/** `connecting` (first attempt), `open`, `reconnecting` (waiting for or running a new attempt), `closed` (after `close()`). */
export type ResumableState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Dispatched as `'state'` on every change of `client.state`.
 *
 * @example
 * client.addEventListener('state', ({ state }) => (badge.dataset.state = state))
 */
export class ResumableStateEvent extends Event {
  readonly state: ResumableState;

  constructor(state: ResumableState) {
    super('state');
    this.state = state;
  }
}

/**
 * Dispatched as `'message'` once per message. For a topic message in the envelope, `topic` and
 * `id` are set and `data` is its payload (`text` as a string, `binary` decoded to bytes); any other
 * frame is delivered as it came, with `topic` and `id` undefined.
 *
 * @example
 * client.addEventListener('message', ({ topic, data }) => {
 *   if (topic === 'room:lobby' && typeof data === 'string') show(JSON.parse(data))
 * })
 */
export class ResumableMessageEvent extends Event {
  readonly topic: string | undefined;
  readonly id: string | undefined;
  readonly data: string | Uint8Array;

  constructor(data: string | Uint8Array, topic?: string, id?: string) {
    super('message');
    this.data = data;
    this.topic = topic;
    this.id = id;
  }
}

/**
 * Dispatched as `'gap'` when the server could not replay everything since the last id of `topic`: resync it.
 *
 * @example
 * client.addEventListener('gap', ({ topic }) => void reloadFromDatabase(topic))
 */
export class ResumableGapEvent extends Event {
  readonly topic: string;

  constructor(topic: string) {
    super('gap');
    this.topic = topic;
  }
}

/**
 * Dispatched as `'error'` when an attempt fails or a connection drops; the client retries by itself.
 *
 * @example
 * client.addEventListener('error', ({ error }) => console.warn(error.message))
 */
export class ResumableErrorEvent extends Event {
  readonly error: Error;

  constructor(error: Error) {
    super('error');
    this.error = error;
  }
}

/**
 * Dispatched as `'reconnect'` each time the client schedules a new attempt: `attempt` (1 for the
 * first after a connection ended, counting up while attempts fail), the `delay` in ms it waits
 * before it, and the `code` the connection or failed attempt closed with (1006 for a failed attempt).
 *
 * @example
 * client.addEventListener('reconnect', ({ delay }) => (banner.textContent = `Reconnecting in ${Math.ceil(delay / 1000)} s`))
 */
export class ResumableReconnectEvent extends Event {
  readonly attempt: number;
  readonly delay: number;
  readonly code: number;

  constructor(attempt: number, delay: number, code: number) {
    super('reconnect');
    this.attempt = attempt;
    this.delay = delay;
    this.code = code;
  }
}

/** The events of a `ResumableClient`, by type. */
export interface ResumableEventMap {
  state: ResumableStateEvent;
  message: ResumableMessageEvent;
  gap: ResumableGapEvent;
  error: ResumableErrorEvent;
  reconnect: ResumableReconnectEvent;
}

/**
 * The browser entry's error: its own small class (the bundle imports nothing), with the same
 * `code`s as the rest of upsocket. `UPSOCKET_CLOSED`: `send()` while not open and without a queue,
 * or after `close()`; `UPSOCKET_QUEUE_FULL`: `send()` while the queue holds `queue.max` messages;
 * `UPSOCKET_INVALID_OPTION`: a wrong option.
 *
 * @example
 * try { client.send(text) } catch (error) {
 *   if (error instanceof ResumableError && error.code === 'UPSOCKET_CLOSED') showOffline()
 * }
 */
export class ResumableError extends Error {
  readonly code: 'UPSOCKET_CLOSED' | 'UPSOCKET_QUEUE_FULL' | 'UPSOCKET_INVALID_OPTION';

  constructor(code: ResumableError['code'], message: string) {
    super(message);
    this.name = 'ResumableError';
    this.code = code;
  }
}
