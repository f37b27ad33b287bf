// The envelope of a topic message in the exact shape the server writes (envelope.ts,
// `envelopeText()`), read by scanning instead of `JSON.parse`: a resuming Node client reads one
// per message, thousands of them per process in a load generator or a fan-out service, and `JSON.parse` builds an object and its strings only for us to check its keys and
// find the id (the payload stays undecoded until someone asks for it).
//   {"topic":<string>,"id":"<digits>-<digits>","text":<string>}     (or ,"binary":"<base64>"; no id without history)
// Anything else (whitespace, another key order, another key, an id of another form, a control
// character in a string, an invalid escape) is left to `parseEnvelope()`'s general path, which
// decides exactly as it always did: a frame read here is one that path reads into the same message.
// The browser client uses that path alone (a page has one connection; the bundle stays small).
import { idEnd } from './ids.js';

/** @internal A topic message in the envelope. `data` is the text, or a binary message's bytes in base64. */
export interface EnvelopeMessage {
  readonly kind: 'message';
  readonly topic: string;
  /** Absent on a server without history: nothing to resume or de-duplicate by. */
  readonly id: string | undefined;
  readonly binary: boolean;
  readonly data: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `code` is a hex digit (the four after `\u`); NaN (past the end) is not. */
function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
}

/** Whether `code` may follow a backslash in a JSON string: " \ / b f n r t (`u` is checked by the caller). */
function isShortEscape(code: number): boolean {
  return code === QUOTE || code === BACKSLASH || code === 0x2f || code === 0x62 || code === 0x66 || code === 0x6e || code === 0x72 || code === 0x74;
}

/** Set by `stringEnd()` when the string holds an escape: then a slice is not its content. */
let escaped = false;

/**
 * Where the JSON string whose content starts at `start` ends (the index of its closing quote),
 * or -1 when it does not end or holds what JSON forbids (a control character, an unknown escape).
 * A loop over char codes, not a regular expression: each call into V8's regexp engine costs
 * ~900 instructions (callgrind), more than this loop spends on a whole message.
 */
function stringEnd(text: string, start: number): number {
  escaped = false;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) return index;
    if (code < 0x20) return -1;
    if (code !== BACKSLASH) continue;
    escaped = true;
    const next = text.charCodeAt(++index);
    if (next === 0x75) {
      if (!isHex(text.charCodeAt(index + 1)) || !isHex(text.charCodeAt(index + 2)) || !isHex(text.charCodeAt(index + 3)) || !isHex(text.charCodeAt(index + 4))) return -1;
      index += 4;
    } else if (!isShortEscape(next)) {
      return -1;
    }
  }
  return -1;
}

/** The content of a JSON string `stringEnd()` checked: unescaped when it has escapes (then `JSON.parse` cannot throw). */
function contentOf(text: string, start: number, end: number, withEscapes: boolean): string {
  return withEscapes ? (JSON.parse(text.slice(start - 1, end + 1)) as string) : text.slice(start, end);
}

/** A scanned message: its payload is sliced (and unescaped) only when read, which a Node client never does. */
class ScannedMessage implements EnvelopeMessage {
  readonly kind = 'message' as const;
  readonly topic: string;
  readonly id: string | undefined;
  readonly binary: boolean;
  readonly #frame: string;
  readonly #start: number;
  readonly #escaped: boolean;

  constructor(topic: string, id: string | undefined, binary: boolean, frame: string, start: number, withEscapes: boolean) {
    this.topic = topic;
    this.id = id;
    this.binary = binary;
    this.#frame = frame;
    this.#start = start;
    this.#escaped = withEscapes;
  }

  /** The payload, from its opening quote to the frame's closing `"}`. */
  get data(): string {
    return contentOf(this.#frame, this.#start, this.#frame.length - 2, this.#escaped);
  }
}

/**
 * @internal The topic message in `text` when it has exactly the server's shape, or undefined
 * when it does not (then only the general parse can say what it is).
 */
export function scanServerEnvelope(text: string): EnvelopeMessage | undefined {
  if (!text.startsWith('{"topic":"')) return undefined;
  const topicEnd = stringEnd(text, 10);
  if (topicEnd < 0) return undefined;
  const topic = contentOf(text, 10, topicEnd, escaped);
  let at = topicEnd + 1;
  let id: string | undefined;
  if (text.startsWith(',"id":"', at)) {
    const end = idEnd(text, at + 7);
    if (text.charCodeAt(end) !== QUOTE) return undefined;
    id = text.slice(at + 7, end);
    at = end + 1;
  }
  const binary = text.startsWith(',"binary":"', at);
  if (binary) at += 11;
  else if (text.startsWith(',"text":"', at)) at += 9;
  else return undefined;
  const end = stringEnd(text, at);
  // The payload is the last member: its closing quote, the closing brace, then nothing.
  if (end !== text.length - 2 || text.charCodeAt(end + 1) !== 0x7d) return undefined;
  return new ScannedMessage(topic, id, binary, text, at, escaped);
}
