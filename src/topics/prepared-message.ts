import { UpsocketError, type MessageType } from '../core/index.js';
import { SharedMessage } from '../core/internal.js';

/** @internal The core's view of `message`, which `sendShared()` writes: topics' way to the wire. */
export let sharedOf: (message: PreparedMessage) => SharedMessage;

/**
 * One message on its way to many connections, encoded at most once however many receive it.
 *
 * `topics.publish()` wraps what it is given in one, and encodes nothing until a subscriber needs
 * the bytes: a string goes out as a text message, bytes (a Buffer, typed array, DataView or
 * ArrayBuffer) as a binary message, anything else as its JSON text. A backend that carries messages
 * between processes sends `type` and `payload`, and rebuilds the message on the other side with
 * `new PreparedMessage(type, payload)`.
 *
 * @example
 * // Inside a backend: what arrived from the network, handed to the local listeners.
 * listeners.emit(topic, new PreparedMessage('text', Buffer.from('{"hello":"world"}')))
 */
export class PreparedMessage {
  /** 'text' or 'binary', as subscribers receive it. */
  readonly type: MessageType;
  /** What reaches the subscribers' connections: the payload, and the frame built once for all. */
  #shared: SharedMessage;

  /** A message whose payload is already encoded; `text` payloads must be UTF-8. */
  constructor(type: MessageType, payload: Buffer) {
    this.type = type;
    this.#shared = new SharedMessage(type, payload);
  }

  /**
   * Wraps what `publish()` was given. Only the type is decided now; strings and JSON are encoded on
   * the first read of `payload`. Throws `UPSOCKET_INVALID_PAYLOAD` for values JSON has no text for.
   */
  static from(value: unknown): PreparedMessage {
    if (typeof value === 'string') return PreparedMessage.#lazy('text', value);
    if (value instanceof ArrayBuffer) return new PreparedMessage('binary', Buffer.from(value));
    if (ArrayBuffer.isView(value)) {
      // A view of the same memory, not a copy; byteOffset/byteLength keep it to the view's bytes.
      return new PreparedMessage('binary', Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `publish() cannot send ${typeof value}: pass a string, bytes or a JSON value`);
    }
    return PreparedMessage.#lazy('text', value);
  }

  static #lazy(type: MessageType, value: unknown): PreparedMessage {
    const message = new PreparedMessage(type, EMPTY);
    message.#shared = new SharedMessage(type, () => encode(value));
    return message;
  }

  /** The payload bytes (UTF-8 for text). Encoded on the first read, then kept. */
  get payload(): Buffer {
    return this.#shared.payload;
  }

  static {
    sharedOf = (message) => message.#shared;
  }
}

const EMPTY = Buffer.alloc(0);

function encode(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // A cycle or a BigInt deep inside: JSON.stringify's own message says which.
    throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `publish() cannot encode the value as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'publish() cannot encode the value as JSON');
  return Buffer.from(text, 'utf8');
}
