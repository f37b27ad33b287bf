import { UpsocketError } from './errors.js';

/** RFC 6455 §5.5: control frames carry at most 125 bytes of payload. */
const MAX_CONTROL_PAYLOAD = 125;

/** Throws `UPSOCKET_INVALID_PAYLOAD` unless `data` can go in a ping frame. */
export function assertPingData(data: unknown): void {
  if (data === undefined) return;
  let length: number;
  if (typeof data === 'string') length = Buffer.byteLength(data);
  else if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) length = data.byteLength;
  else throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'ping(data) takes a string, a Buffer, a typed array or an ArrayBuffer');
  if (length > MAX_CONTROL_PAYLOAD) {
    throw new UpsocketError(
      'UPSOCKET_INVALID_PAYLOAD',
      `ping(data): control frames carry at most ${MAX_CONTROL_PAYLOAD} bytes, got ${length} bytes`,
    );
  }
}
