// The envelope: how a subscriber that asked for it receives topic messages, one JSON object per
// text frame, so a client in any language can keep the last id per topic and resume (README,
// "The envelope"). Raw delivery stays the default.
//   {"topic":"room","id":"1733140000000-5","text":"hello"}
//   {"topic":"room","id":"1733140000000-6","binary":"<base64>"}
//   {"topic":"room","after":"1733140000000-6","gap":true}      the seam, once per subscribe
import type { MessageType } from '../core/index.js';

/** @internal The envelope of one message: its payload, to be framed once for every subscriber. */
export function envelopePayload(topic: string, id: string | undefined, type: MessageType, payload: Buffer): Buffer {
  let json = `{"topic":${JSON.stringify(topic)}`;
  if (id !== undefined) json += `,"id":${JSON.stringify(id)}`;
  json += type === 'binary' ? `,"binary":"${payload.toString('base64')}"}` : `,"text":${JSON.stringify(payload.toString('utf8'))}}`;
  return Buffer.from(json, 'utf8');
}

/**
 * @internal The seam marker: everything up to `after` was replayed (or was before the `since`
 * asked for), what follows is live. No `after` when the topic has no message yet.
 */
export function seamText(topic: string, after: string | undefined, gap: boolean): string {
  let json = `{"topic":${JSON.stringify(topic)}`;
  if (after !== undefined) json += `,"after":${JSON.stringify(after)}`;
  if (gap) json += ',"gap":true';
  return `${json}}`;
}
