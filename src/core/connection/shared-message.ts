import type { MessageType } from './message.js';

/**
 * @internal One message written to many connections (a topic's fan-out): its type and payload,
 * encoded at most once, and the frame a transport builds from them, built once and reused for
 * every connection on the same kind of transport. What `Connection`'s `sendShared()` takes.
 */
export class SharedMessage {
  /** 'text' or 'binary', as the receivers get it. */
  readonly type: MessageType;
  #payload: Buffer | undefined;
  #encodePayload: (() => Buffer) | undefined;
  /** The function that built `#frame`: a transport's framing asks again with the same function. */
  #framer: ((message: SharedMessage) => unknown) | undefined;
  #frame: unknown;

  /** `payload` is the encoded bytes (UTF-8 for text), or a function encoding them on first use. */
  constructor(type: MessageType, payload: Buffer | (() => Buffer)) {
    this.type = type;
    if (typeof payload === 'function') this.#encodePayload = payload;
    else this.#payload = payload;
  }

  /** The payload bytes; encoded on the first read, then kept. */
  get payload(): Buffer {
    if (this.#payload === undefined) {
      this.#payload = this.#encodePayload!();
      this.#encodePayload = undefined;
    }
    return this.#payload;
  }

  /**
   * What `build` makes of this message, built on the first call and returned again to later
   * calls with the same `build` (a transport's framing function). A call with another `build`
   * gets its own result, not cached.
   */
  frame<T>(build: (message: SharedMessage) => T): T {
    if (this.#framer === build) return this.#frame as T;
    const frame = build(this);
    if (this.#framer === undefined) {
      this.#framer = build;
      this.#frame = frame;
    }
    return frame;
  }
}
