import { isUtf8 } from 'node:buffer';
import { PreparedMessage } from '../prepared-message.js';

// What one message looks like on a Redis channel:
//   byte 0       kind: 1 text, 2 binary
//   bytes 1-16   the publishing backend's random id, so it can skip its own messages
//   bytes 17-    the payload, as subscribers receive it
const TEXT = 1;
const BINARY = 2;
export const ORIGIN_LENGTH = 16;
const HEADER_LENGTH = 1 + ORIGIN_LENGTH;

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
  const kind = data[0];
  if (kind !== TEXT && kind !== BINARY) return undefined;
  const payload = data.subarray(HEADER_LENGTH);
  // Subscribers' clients fail the connection (1007) on a text frame that is not UTF-8.
  if (kind === TEXT && !isUtf8(payload)) return undefined;
  return { origin: data.subarray(1, HEADER_LENGTH), message: new PreparedMessage(kind === TEXT ? 'text' : 'binary', payload) };
}
