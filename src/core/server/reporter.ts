import type { IncomingMessage } from 'node:http';
import { logError, report, type ErrorReporter, type ErrorStage } from '../connection/report.js';
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

  /** Whether this reporter calls the same `onError` and `onRefuse` as `settings`. */
  reportsFor(settings: { onError: ErrorReporter; onRefuse: RefusalReporter }): boolean {
    return settings.onError === this.onError && settings.onRefuse === this.#onRefuse;
  }

  /** An error thrown in a route's handler (`'handler'`) or while routing an upgrade (`'routing'`). */
  error(error: unknown, request: IncomingMessage, stage: ErrorStage = 'handler'): void {
    report(this.onError, error, request, stage);
  }

  /**
   * An error of the app's own request handling that upsocket caught (the Next adapter's request
   * handler rejecting). The default logger names the app: `upsocket: Next.js failed to handle …`.
   */
  appError(app: string, error: unknown, request: IncomingMessage): void {
    if (this.onError === logError) console.error(`upsocket: ${app} failed to handle ${request.method} ${request.url}:`, error);
    else report(this.onError, error, request);
  }

  /** A refusal upsocket answered itself (not the app's own 4xx): `onRefuse` hears it. */
  refusal(request: IncomingMessage, refusal: Refusal): void {
    const refused: RefusedUpgrade = {
      method: request.method ?? '',
      url: request.url ?? '',
      status: refusal.status,
      reason: refusal.reason,
      remoteAddress: request.socket?.remoteAddress,
    };
    try {
      this.#onRefuse(refused, request);
    } catch (reportError) {
      console.error('upsocket: onRefuse threw while reporting a refused upgrade:', reportError, refused);
    }
  }
}
