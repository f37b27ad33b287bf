// Message ids of topics with history: "<ms>-<seq>", the shape of a Redis Stream entry id. The
// browser client (upsocket/browser) has its own copy of compareIds(): its bundle imports nothing.

/** @internal An id's two numbers, or undefined when `id` is not `<ms>-<seq>` (digits only). */
export function parseId(id: string): { ms: number; seq: number } | undefined {
  const dash = id.indexOf('-');
  if (dash <= 0 || dash === id.length - 1 || dash > 20 || id.length - dash > 21) return undefined;
  const ms = digits(id, 0, dash);
  const seq = digits(id, dash + 1, id.length);
  return ms === undefined || seq === undefined ? undefined : { ms, seq };
}

function digits(text: string, start: number, end: number): number | undefined {
  let value = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index) - 48;
    if (code < 0 || code > 9) return undefined;
    value = value * 10 + code;
  }
  return value;
}

/**
 * Orders two topic message ids numerically, first by their `<ms>` part, then by their `<seq>`:
 * negative when `a` came first, positive when `b` did, 0 for the same id. Ids are never compared
 * as strings (`'9-0'` is before `'10-0'`). Something that is not an id sorts before every id.
 *
 * @example
 * compareIds('1733140000000-9', '1733140000000-10') // < 0
 */
export function compareIds(a: string, b: string): number {
  const left = parseId(a);
  const right = parseId(b);
  if (left === undefined || right === undefined) return (left === undefined ? 0 : 1) - (right === undefined ? 0 : 1);
  return left.ms !== right.ms ? left.ms - right.ms : left.seq - right.seq;
}
