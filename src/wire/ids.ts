// Message ids of topics with history: "<ms>-<seq>", the shape of a Redis Stream entry id, two runs
// of 1 to 20 decimal digits (a Redis id's parts are 64-bit numbers). docs/protocol.md, "Ids".
// Compared digit by digit, so ids past 2^53 keep their order; nothing here allocates.

/** `RegExp.test()` allocates no match: the server compares ids on its delivery paths. */
const ID = /^\d{1,20}-\d{1,20}$/;
/** Most digits in an id's part. */
const MAX_DIGITS = 20;
const DASH = 0x2d;

/** @internal The index of the dash of `id`, or -1 when `id` is not an id. */
export function dashOf(id: string): number {
  return ID.test(id) ? id.indexOf('-') : -1;
}

/** The index after the run of decimal digits starting at `start` (`start` itself when there is none). */
function digitsEnd(text: string, start: number): number {
  let index = start;
  // Bounded by the length: reading past the end (NaN) makes V8 deoptimize the loop.
  while (index < text.length && isDigit(text.charCodeAt(index))) index++;
  return index;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * @internal Where the id that starts at `text[start]` ends (the index after its last digit), or
 * -1 when no id starts there: for an id inside a longer text (an envelope), which `ID` cannot
 * check without a slice.
 */
export function idEnd(text: string, start: number): number {
  const dash = digitsEnd(text, start);
  if (dash === start || dash - start > MAX_DIGITS || dash === text.length || text.charCodeAt(dash) !== DASH) return -1;
  const end = digitsEnd(text, dash + 1);
  return end === dash + 1 || end - dash - 1 > MAX_DIGITS ? -1 : end;
}

/** The number `text[start, end)` writes, digits already checked. */
function valueOf(text: string, start: number, end: number): number {
  let value = 0;
  for (let index = start; index < end; index++) value = value * 10 + text.charCodeAt(index) - 48;
  return value;
}

/** Two runs of digits, `a[i, aEnd)` and `b[j, bEnd)`, compared as the integers they write. */
function compareDigits(a: string, i: number, aEnd: number, b: string, j: number, bEnd: number): number {
  while (i < aEnd - 1 && a.charCodeAt(i) === 48) i++;
  while (j < bEnd - 1 && b.charCodeAt(j) === 48) j++;
  let order = aEnd - i - (bEnd - j);
  while (order === 0 && i < aEnd) order = a.charCodeAt(i++) - b.charCodeAt(j++);
  return order;
}

/** @internal An id's two numbers (exact below 2^53), or undefined when `id` is not `<ms>-<seq>`. */
export function parseId(id: string): { ms: number; seq: number } | undefined {
  const dash = dashOf(id);
  return dash < 0 ? undefined : { ms: valueOf(id, 0, dash), seq: valueOf(id, dash + 1, id.length) };
}

/**
 * Orders two topic message ids numerically, first by their `<ms>` part, then by their `<seq>`:
 * negative when `a` came first, positive when `b` did, 0 for the same id. Ids are never compared
 * as strings (`'9-0'` is before `'10-0'`). Something that is not an id (each part 1 to 20 digits)
 * sorts before every id; two such strings compare equal.
 *
 * @example
 * compareIds('1733140000000-9', '1733140000000-10') // < 0
 */
export function compareIds(a: string, b: string): number {
  return compareIdsAt(a, dashOf(a), b, dashOf(b));
}

/** @internal `compareIds()` for ids whose `dashOf()` is known: a client keeps its last id's. */
export function compareIdsAt(a: string, left: number, b: string, right: number): number {
  if (left < 0 || right < 0) return (left < 0 ? 0 : 1) - (right < 0 ? 0 : 1);
  // Parts of the same lengths (consecutive ids, mostly): digit strings of one length order as
  // their numbers, leading zeros or not, and one native string comparison beats a charCodeAt loop.
  if (left === right && a.length === b.length) return a < b ? -1 : a > b ? 1 : 0;
  return compareDigits(a, 0, left, b, 0, right) || compareDigits(a, left + 1, a.length, b, right + 1, b.length);
}
