/** Whether a message arrived as a text frame or a binary frame. */
export type MessageType = 'text' | 'binary';

/**
 * One complete WebSocket message, as returned by `connection.read()`.
 *
 * @example
 * const message = await connection.read()
 * if (message?.type === 'text') console.log(message.text())
 */
export class Message {
  /** 'text' or 'binary', as the peer sent it. */
  readonly type: MessageType;
  /** The payload. For text messages these are the UTF-8 bytes (already validated). */
  readonly data: Buffer;

  constructor(type: MessageType, data: Buffer) {
    this.type = type;
    this.data = data;
  }

  /** The payload decoded as UTF-8. */
  text(): string {
    // No encoding argument: Buffer#toString() takes its UTF-8 fast path.
    return this.data.toString();
  }

  /** The payload parsed as JSON; throws `SyntaxError` when it is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.data.toString()) as T;
  }
}

/**
 * @internal A text message whose payload something before the app already decoded (a resuming
 * client's filter reads every envelope): `text()` and `json()` reuse that string. A subclass
 * rather than a field of `Message`, so that messages nobody decoded cost nothing more.
 */
export class DecodedMessage extends Message {
  readonly #text: string;

  /** `text` must be `data` decoded as UTF-8. */
  constructor(data: Buffer, text: string) {
    super('text', data);
    this.#text = text;
  }

  override text(): string {
    return this.#text;
  }

  override json<T = unknown>(): T {
    return JSON.parse(this.#text) as T;
  }
}
