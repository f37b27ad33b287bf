// The envelope of upsocket's topic messages (README "Resume"), parsed in the browser: this file is
// part of the self-contained browser bundle and imports nothing.

/** A topic message in the envelope: `{"topic","id","text"}` or `{"topic","id","binary":"<base64>"}`. */
export interface EnvelopeMessage {
  kind: 'message';
  topic: string;
  id: string;
  data: string | Uint8Array;
}

/** The seam marker sent once per subscribe after the replay: `{"topic","after"?,"gap"?}`. */
export interface EnvelopeSeam {
  kind: 'seam';
  topic: string;
  after: string | undefined;
  gap: boolean;
}

const messageKeys = new Set(['topic', 'id', 'text', 'binary']);
const seamKeys = new Set(['topic', 'after', 'gap']);

/**
 * Orders two message ids `"<ms>-<seq>"` numerically, first `ms` then `seq` (as strings,
 * `"9-1"` would sort after `"10-1"`). Negative when `a` is older, 0 when equal, positive when newer.
 *
 * @example
 * compareIds('1733140000000-9', '1733140000000-10') // < 0
 */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

function fromBase64(text: string): Uint8Array {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let index = 0; index < chars.length; index++) bytes[index] = chars.charCodeAt(index);
  return bytes;
}

function onlyKeys(value: object, allowed: Set<string>): boolean {
  return Object.keys(value).every((key) => allowed.has(key));
}

/**
 * The envelope in a text frame, or undefined for anything else (the app's own messages). Strict
 * on keys, so that an app message that happens to have a `topic` field is not taken for one.
 */
export function parseEnvelope(text: string): EnvelopeMessage | EnvelopeSeam | undefined {
  if (text[0] !== '{' || !text.includes('"topic"')) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { topic, id, text: payload, binary, after, gap } = value;
  if (typeof topic !== 'string') return undefined;
  if (typeof id === 'string' && onlyKeys(value, messageKeys)) {
    if (typeof payload === 'string') return { kind: 'message', topic, id, data: payload };
    if (typeof binary === 'string') return { kind: 'message', topic, id, data: fromBase64(binary) };
    return undefined;
  }
  if (id !== undefined || !onlyKeys(value, seamKeys)) return undefined;
  if (after !== undefined && typeof after !== 'string') return undefined;
  return { kind: 'seam', topic, after, gap: gap === true };
}
