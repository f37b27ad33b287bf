// The envelope (docs/protocol.md, "The envelope"): how a subscriber that asked for it receives
// topic messages, one JSON object per text frame, so a client in any language can keep the last id
// per topic and resume. The server encodes it (src/topics), the clients parse it (src/client,
// src/browser). Raw delivery stays the default.
//   {"topic":"room","id":"1733140000000-5","text":"hello"}
//   {"topic":"room","id":"1733140000000-6","binary":"<base64>"}
//   {"topic":"room","after":"1733140000000-6","gap":true}      a seam (seam.ts)
//   {"topic":"room","presence":"state"|"diff",…}                 presence (presence.ts)
import { scanServerEnvelope, type EnvelopeMessage } from './envelope-scan.js';
import { presenceOf, type EnvelopePresence } from './presence.js';

export type { EnvelopeMessage } from './envelope-scan.js';

/** @internal A seam marker: `{"topic","after"?,"gap"?}`. */
export interface EnvelopeSeam {
  kind: 'seam';
  topic: string;
  after: string | undefined;
  gap: boolean;
}

/** @internal The envelope of one message; `data` is the text, or for a binary message its bytes in base64. */
export function envelopeText(topic: string, id: string | undefined, binary: boolean, data: string): string {
  let json = `{"topic":${JSON.stringify(topic)}`;
  if (id !== undefined) json += `,"id":${JSON.stringify(id)}`;
  // Base64 needs no escaping.
  return json + (binary ? `,"binary":"${data}"}` : `,"text":${JSON.stringify(data)}}`);
}

/**
 * @internal The seam marker: everything of `topic` up to `after` was sent (or was before the
 * client's `since`), or is lost when `gap`; what follows is newer. No `after` while the topic has
 * no message.
 */
export function seamText(topic: string, after: string | undefined, gap: boolean): string {
  let json = `{"topic":${JSON.stringify(topic)}`;
  if (after !== undefined) json += `,"after":${JSON.stringify(after)}`;
  if (gap) json += ',"gap":true';
  return `${json}}`;
}

const messageKeys = new Set(['topic', 'id', 'text', 'binary']);
const seamKeys = new Set(['topic', 'after', 'gap']);

function onlyKeys(value: object, allowed: Set<string>): boolean {
  return Object.keys(value).every((key) => allowed.has(key));
}

/**
 * @internal The envelope in a text frame, or undefined for anything else (the app's own
 * messages). Strict on keys, so that an app message that happens to have a `topic` field is not
 * taken for one. A topic message in the server's own shape is scanned (envelope-scan.ts); any
 * other frame goes through `JSON.parse`, with the same result.
 */
export function parseEnvelope(text: string): EnvelopeMessage | EnvelopeSeam | EnvelopePresence | undefined {
  return scanServerEnvelope(text) ?? parseEnvelopeJson(text);
}

/**
 * @internal `parseEnvelope()` by `JSON.parse` alone: what the scan must agree with
 * (test/wire/envelope.test.ts), and the browser client's parser (no scan code in its bundle).
 */
export function parseEnvelopeJson(text: string): EnvelopeMessage | EnvelopeSeam | EnvelopePresence | undefined {
  if (text[0] !== '{' || !text.includes('"topic"')) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { topic, id, text: payload, binary, after, gap } = value;
  if (typeof topic !== 'string') return undefined;
  if (value.presence !== undefined) return presenceOf(value, topic);
  if (payload !== undefined || binary !== undefined) {
    if ((id !== undefined && typeof id !== 'string') || !onlyKeys(value, messageKeys)) return undefined;
    if (typeof payload === 'string') return { kind: 'message', topic, id, binary: false, data: payload };
    if (typeof binary === 'string') return { kind: 'message', topic, id, binary: true, data: binary };
    return undefined;
  }
  if (!onlyKeys(value, seamKeys)) return undefined;
  if (after !== undefined && typeof after !== 'string') return undefined;
  return { kind: 'seam', topic, after, gap: gap === true };
}

/** @internal A binary message's `data` (base64) as bytes, with `atob` (browsers, Node ≥ 16). */
export function decodeBinary(base64: string): Uint8Array {
  const chars = atob(base64);
  const bytes = new Uint8Array(chars.length);
  for (let index = 0; index < chars.length; index++) bytes[index] = chars.charCodeAt(index);
  return bytes;
}
