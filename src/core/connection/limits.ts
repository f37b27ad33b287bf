import { UpsocketError } from './errors.js';

// The limits every connection has, whichever side opened it: one set of defaults and checks for
// the server's options, the client's and the topics'.

/**
 * @internal Every property present and defined. Not `Required<T>`: under exactOptionalPropertyTypes
 * it keeps the `| undefined` our options spell out, which resolving the defaults removes.
 */
export type Resolved<T> = { [Key in keyof T]-?: Exclude<T[Key], undefined> };

/** @internal The defaults of the limits the server and the client share. */
export const defaultLimits = {
  maxMessageSize: 1024 * 1024,
  sendHighWaterMark: 64 * 1024,
  receiveHighWaterMark: 64 * 1024,
} as const;

/** @internal */
export function assertPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${name} must be a positive integer, got ${String(value)}`);
  }
}

/** @internal A heartbeat interval is a positive number of ms; `false`, not 0, turns it off. */
export function assertHeartbeat(value: number | false): void {
  if (value !== false && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new UpsocketError(
      'UPSOCKET_INVALID_OPTION',
      `heartbeat must be a positive integer (ms), or false to disable the heartbeat, got ${String(value)}`,
    );
  }
}
