import { UpsocketError, type MessageType } from '../core/index.js';
import { SharedMessage } from '../core/internal.js';
import { envelopeText } from '../wire/index.js';

/** @internal The core's view of `message`, which `sendShared()` writes: topics' way to the wire. */
export let sharedOf: (message: PreparedMessage) => SharedMessage;

/**
 * @internal `message` in the envelope of `topic` (see src/wire/envelope.ts), built on first use and kept
 * by the message, so that every subscriber asking for the envelope gets the same frame.
 */
export let envelopeOf: (message: PreparedMessage, topic: string) => SharedMessage;

/**
 * One message on its way to many connections, encoded at most once however many receive it.
 *
 * `topics.publish()` wraps what it is given in one, and encodes nothing until a subscriber needs
 * the bytes: a string goes out as a text message, bytes (a Buffer, typed array, DataView or
 * ArrayBuffer) as a binary message, anything else as its JSON text. A backend that carries messages
 * between processes sends `type` and `payload`, and rebuilds the message on the other side with
 * `new PreparedMessage(type, payload)`. A backend keeping history gives each message its `id`.
 *
 * @example
 * // Inside a backend: what arrived from the network, handed to the local listeners.
 * listeners.emit(topic, new PreparedMessage('text', Buffer.from('{"hello":"world"}')))
 */
export class PreparedMessage {
  /** 'text' or 'binary', as subscribers receive it. */
  readonly type: MessageType;
  /** Its id in the topic's history (`"<ms>-<seq>"`); undefined when the topics keep no history. */
  readonly id: string | undefined;
  /** What reaches the subscribers' connections: the payload, and the frame built once for all. */
  #shared: SharedMessage;
  /** The enveloped message, for the one topic it was built for. */
  #envelope: { topic: string; shared: SharedMessage } | undefined;

  /** A message whose payload is already encoded; `text` payloads must be UTF-8. */
  constructor(type: MessageType, payload: Buffer, id?: string | undefined) {
    this.type = type;
    this.id = id;
    this.#shared = new SharedMessage(type, payload);
  }

  /**
   * The same message with an id, for a backend that keeps history: the payload is shared, and
   * encoded (and framed) once for both.
   */
  withId(id: string): PreparedMessage {
    const message = new PreparedMessage(this.type, EMPTY, id);
    message.#shared = this.#shared;
    return message;
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
    envelopeOf = (message, topic) => {
      const cached = message.#envelope;
      if (cached !== undefined && cached.topic === topic) return cached.shared;
      const shared = new SharedMessage('text', () => envelopeBytes(topic, message));
      // One topic per message in practice (a backend makes one per publish); any other is built anew.
      message.#envelope ??= { topic, shared };
      return shared;
    };
  }
}

const EMPTY = Buffer.alloc(0);

/** The envelope of `message` in `topic`, as the UTF-8 bytes of its frame. */
function envelopeBytes(topic: string, message: PreparedMessage): Buffer {
  const binary = message.type === 'binary';
  const payload = message.payload;
  return Buffer.from(envelopeText(topic, message.id, binary, payload.toString(binary ? 'base64' : 'utf8')), 'utf8');
}

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
