// Message ids of topics with history: "<ms>-<seq>", the shape of a Redis Stream entry id, two runs
// of 1 to 20 decimal digits (a Redis id's parts are 64-bit numbers). docs/protocol.md, "Ids".
// Compared digit by digit, so ids past 2^53 keep their order; nothing here allocates.

/** `RegExp.test()` allocates no match: the server compares ids on its delivery paths. */
const ID = /^\d{1,20}-\d{1,20}$/;

/** The index of the dash of `id`, or -1 when `id` is not an id. */
function dashOf(id: string): number {
  return ID.test(id) ? id.indexOf('-') : -1;
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
  const left = dashOf(a);
  const right = dashOf(b);
  if (left < 0 || right < 0) return (left < 0 ? 0 : 1) - (right < 0 ? 0 : 1);
  return compareDigits(a, 0, left, b, 0, right) || compareDigits(a, left + 1, a.length, b, right + 1, b.length);
}
