import type { IncomingMessage } from 'node:http';
import { publishError } from '../connection/publish.js';
import { publishRefused } from './publish.js';
import { callSafely, report, type ErrorReporter } from '../connection/report.js';
import type { Refusal } from './handshake.js';
import type { RefusalReporter, RefusedUpgrade } from './refusals.js';

/**
 * @internal Where a server's errors and refusals go: `onError` and `onRefuse`, called so that a
 * broken callback is logged rather than allowed to crash the process. Built once per `attach()`
 * from its options and shared by every upgrade of that server (the attach path, the handshake,
 * the handlers' lifetime, the Next adapter); only an `open()` that names its own `onError` or
 * `onRefuse` gets one of its own.
 */
export class Reporter {
  /** The `onError` to hand to code that reports through `report()` itself (`runHandler`). */
  readonly onError: ErrorReporter;
  readonly #onRefuse: RefusalReporter;

  constructor(onError: ErrorReporter, onRefuse: RefusalReporter) {
    this.onError = onError;
    this.#onRefuse = onRefuse;
  }

  /**
   * This reporter, with the `onError` and `onRefuse` of `options` where they are functions: for
   * options that failed to resolve (or were never resolved), whose callbacks may still be the
   * ones the caller wants to hear it.
   */
  withCallbacksOf(options: { onError?: unknown; onRefuse?: unknown } | undefined): Reporter {
    const onError = typeof options?.onError === 'function' ? (options.onError as ErrorReporter) : this.onError;
    const onRefuse = typeof options?.onRefuse === 'function' ? (options.onRefuse as RefusalReporter) : this.#onRefuse;
    return onError === this.onError && onRefuse === this.#onRefuse ? this : new Reporter(onError, onRefuse);
  }

  /** Whether this reporter calls the same `onError` and `onRefuse` as `settings`. */
  reportsFor(settings: { onError: ErrorReporter; onRefuse: RefusalReporter }): boolean {
    return settings.onError === this.onError && settings.onRefuse === this.#onRefuse;
  }

  /** An error thrown in a route's handler, or, when `failed` says so, before one ran. */
  error(error: unknown, request: IncomingMessage, failed?: string): void {
    publishError(error, request);
    report(this.onError, error, request, failed);
  }

  /** A refusal upsocket answered itself (not the app's own 4xx): `onRefuse` hears it. */
  refusal(request: IncomingMessage, refusal: Refusal): void {
    publishRefused(request, refusal);
    const refused: RefusedUpgrade = {
      method: request.method ?? '',
      url: request.url ?? '',
      status: refusal.status,
      reason: refusal.reason,
      remoteAddress: request.socket?.remoteAddress,
    };
    callSafely('onRefuse', 'a refused upgrade', this.#onRefuse, refused, request);
  }
}
