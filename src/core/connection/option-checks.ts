import type { OptionCheck } from './define-options.js';
import { UpsocketError } from './errors.js';

// The checks option specs use (`defineOptions()`). Each throws UPSOCKET_INVALID_OPTION with a
// message that starts with the option's name; tests and users match on these words.

function invalid(message: string): UpsocketError {
  return new UpsocketError('UPSOCKET_INVALID_OPTION', message);
}

/** @internal Sizes, high-water marks, timeouts: a whole number of bytes or ms above 0. */
export const positiveInteger: OptionCheck<number> = (value, key) => {
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(`${key} must be a positive integer, got ${String(value)}`);
};

/** @internal Counts that may be zero, such as `retryAfter`'s seconds. */
export const nonNegativeInteger: OptionCheck<number> = (value, key) => {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${key} must be a whole number of at least 0, got ${String(value)}`);
};

/** @internal A heartbeat interval is a positive number of ms; `false`, not 0, turns it off. */
export const heartbeatInterval: OptionCheck<number | false> = (value, key) => {
  if (value !== false && (!Number.isSafeInteger(value) || value <= 0)) {
    throw invalid(`${key} must be a positive integer (ms), or false to disable the heartbeat, got ${String(value)}`);
  }
};

/** @internal A number of at least `min` (NaN is not). */
export function atLeast(min: number): OptionCheck<number> {
  return (value, key) => {
    if (!(value >= min)) throw invalid(`${key} must be a number of at least ${min}, got ${String(value)}`);
  };
}

/** @internal A number from `min` to `max` (NaN is not). */
export function between(min: number, max: number): OptionCheck<number> {
  return (value, key) => {
    if (!(value >= min && value <= max)) throw invalid(`${key} must be between ${min} and ${max}, got ${String(value)}`);
  };
}

/** @internal A callback; `hint` ends the message, e.g. how to silence a default logger. */
export function aFunction(hint = ''): OptionCheck<unknown> {
  return (value, key) => {
    if (typeof value !== 'function') throw invalid(`${key} must be a function${hint}`);
  };
}

/** @internal */
export const aBoolean: OptionCheck<unknown> = (value, key) => {
  if (typeof value !== 'boolean') throw invalid(`${key} must be true or false, got ${typeof value}`);
};

/** @internal */
export const aString: OptionCheck<unknown> = (value, key) => {
  if (typeof value !== 'string') throw invalid(`${key} must be a string`);
};

/** @internal An array of `items` (for the message); `isItem`, when given, checks each element. */
export function anArray(items: string, isItem?: (item: unknown) => boolean): OptionCheck<readonly unknown[]> {
  return (value, key) => {
    if (!Array.isArray(value) || (isItem !== undefined && !value.every(isItem))) throw invalid(`${key} must be an array of ${items}`);
  };
}

/** @internal An instance of `type`, named `what` in the message (`an AbortSignal`). */
export function instanceOf(type: abstract new (...args: never[]) => unknown, what: string): OptionCheck<unknown> {
  return (value, key) => {
    if (!(value instanceof type)) throw invalid(`${key} must be ${what}`);
  };
}
