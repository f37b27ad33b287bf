// The envelope of upsocket's topic messages (README "Browser client"), parsed in the browser:
// this file is part of the self-contained browser bundle and imports nothing.

/**
 * A topic message in the envelope: `{"topic","id","text"}` or `{"topic","id","binary":"<base64>"}`.
 * Without history on the server there is no `id` (nothing to resume or de-duplicate by).
 */
export interface EnvelopeMessage {
  kind: 'message';
  topic: string;
  id: string | undefined;
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

const ID = /^(\d+)-(\d+)$/;

/** Two digit strings compared as the integers they write, of any size. */
function compareDigits(a: string, b: string): number {
  const [x, y] = [a.replace(/^0+(?=\d)/, ''), b.replace(/^0+(?=\d)/, '')];
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * Orders two message ids `"<ms>-<seq>"` numerically, first `ms` then `seq` (as strings,
 * `"9-1"` would sort after `"10-1"`). Negative when `a` is older, 0 when equal, positive when
 * newer. A string that is not an id sorts before every id; two such strings compare equal.
 *
 * @example
 * compareIds('1733140000000-9', '1733140000000-10') // < 0
 */
export function compareIds(a: string, b: string): number {
  const [x, y] = [ID.exec(a), ID.exec(b)];
  if (x === null || y === null) return (x === null ? 0 : 1) - (y === null ? 0 : 1);
  return compareDigits(x[1]!, y[1]!) || compareDigits(x[2]!, y[2]!);
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
  if (payload !== undefined || binary !== undefined) {
    if ((id !== undefined && typeof id !== 'string') || !onlyKeys(value, messageKeys)) return undefined;
    if (typeof payload === 'string') return { kind: 'message', topic, id, data: payload };
    if (typeof binary === 'string') return { kind: 'message', topic, id, data: fromBase64(binary) };
    return undefined;
  }
  if (!onlyKeys(value, seamKeys)) return undefined;
  if (after !== undefined && typeof after !== 'string') return undefined;
  return { kind: 'seam', topic, after, gap: gap === true };
}
