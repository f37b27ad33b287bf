import { UpsocketError } from './errors.js';

/**
 * Options objects checked at run time, for JavaScript callers and `as any`: a misspelt key would
 * otherwise be ignored and its default silently used (a 1 MiB limit the app thinks is 10 KiB).
 */

/** @internal What a wrong value was, for messages: `null`, `an array`, or its `typeof`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Edit distance, for "did you mean": option names are short, so the quadratic table is tiny. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function closest(key: string, validKeys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const valid of validKeys) {
    const d = valid.toLowerCase() === key.toLowerCase() ? 0 : distance(key, valid);
    if (d < bestDistance) [best, bestDistance] = [valid, d];
  }
  return best;
}

/**
 * Throws `UPSOCKET_INVALID_OPTION` unless `options` is undefined or an object whose keys are all
 * in `validKeys`. `caller` names the function (and argument) in the message, e.g. `'attach()'`.
 *
 * @internal
 */
export function assertKnownOptions(caller: string, options: unknown, validKeys: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${caller}: options must be an object or undefined, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (validKeys.includes(key)) continue;
    const suggestion = closest(key, validKeys);
    const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${caller}: unknown option '${key}'${hint}. Valid options: ${validKeys.join(', ')}`);
  }
}
