import { isUtf8 } from 'node:buffer';
import { PreparedMessage } from '../prepared-message.js';

// What one message looks like on a Redis channel:
//   byte 0       kind: 1 text, 2 binary; 3 text with an id, 4 binary with an id (history on)
//   bytes 1-16   the publishing backend's random id, so it can skip its own messages
//   bytes 17-    the payload, as subscribers receive it; with an id, first the id's length (one
//                byte) and the id, the message's stream entry id (written by history-scripts.ts)
const TEXT = 1;
const BINARY = 2;
const TEXT_WITH_ID = 3;
const BINARY_WITH_ID = 4;
export const ORIGIN_LENGTH = 16;
const HEADER_LENGTH = 1 + ORIGIN_LENGTH;

/** @internal The header of a message whose id the publish script inserts after it. */
export function headerWithId(origin: Buffer, message: PreparedMessage): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header[0] = message.type === 'binary' ? BINARY_WITH_ID : TEXT_WITH_ID;
  origin.copy(header, 1);
  return header;
}

/** @internal */
export function encodeEnvelope(origin: Buffer, message: PreparedMessage): Buffer {
  const payload = message.payload;
  const envelope = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  envelope[0] = message.type === 'binary' ? BINARY : TEXT;
  origin.copy(envelope, 1);
  payload.copy(envelope, HEADER_LENGTH);
  return envelope;
}

/** @internal What arrived on a channel, or undefined when upsocket did not publish it. */
export function decodeEnvelope(data: Buffer): { origin: Buffer; message: PreparedMessage } | undefined {
  if (data.length < HEADER_LENGTH) return undefined;
  const kind = data[0]!;
  if (kind < TEXT || kind > BINARY_WITH_ID) return undefined;
  let start = HEADER_LENGTH;
  let id: string | undefined;
  if (kind >= TEXT_WITH_ID) {
    const length = data[HEADER_LENGTH];
    if (length === undefined || data.length < HEADER_LENGTH + 1 + length) return undefined;
    start = HEADER_LENGTH + 1 + length;
    id = data.toString('latin1', HEADER_LENGTH + 1, start);
  }
  const payload = data.subarray(start);
  const text = kind === TEXT || kind === TEXT_WITH_ID;
  // Subscribers' clients fail the connection (1007) on a text frame that is not UTF-8.
  if (text && !isUtf8(payload)) return undefined;
  return { origin: data.subarray(1, HEADER_LENGTH), message: new PreparedMessage(text ? 'text' : 'binary', payload, id) };
}
