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
  /** The payload already decoded, when something before the app had to (a resuming client's filter). */
  readonly #text: string | undefined;

  /** `text`, when given, must be `data` decoded as UTF-8: `text()` returns it instead of decoding again. */
  constructor(type: MessageType, data: Buffer, text?: string) {
    this.type = type;
    this.data = data;
    this.#text = text;
  }

  /** The payload decoded as UTF-8. */
  text(): string {
    // No encoding argument: Buffer#toString() takes its UTF-8 fast path.
    return this.#text ?? this.data.toString();
  }

  /** The payload parsed as JSON; throws `SyntaxError` when it is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}
