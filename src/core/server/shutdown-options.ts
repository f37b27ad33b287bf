import { defineOptions, type OptionCheck, type Resolved } from '../connection/define-options.js';
import { nonNegativeInteger } from '../connection/option-checks.js';

/** Options of `UpsocketServer.close()`. */
export interface ShutdownOptions {
  /**
   * Close code sent to every connection. Default: 1012 (service restart: this instance, or
   * another behind the same address, serves again; reconnect). 1001 (going away) is also what a
   * browser sends when it leaves a page; both are clean ends (`read()` returns null) and
   * upsocket's clients resume after either.
   */
  code?: number | undefined;
  /** Close reason sent with it. Default: ''. */
  reason?: string | undefined;
  /**
   * How long handlers get to finish, in ms, counted from the last close frame (the end of
   * `spread`), before the remaining sockets are dropped. Default: 10000.
   */
  timeout?: number | undefined;
  /**
   * Seconds the upgrades refused from now on (503 `Server is shutting down`) are told to wait
   * (`Retry-After`): about how long until this instance, or one behind the same address, serves
   * again. Default: the server's `retryAfter` (`attach()`'s option, 5).
   */
  retryAfter?: number | undefined;
  /**
   * The window, in ms, over which the close frames go out: in random order, in small batches
   * every ~10 ms, so this instance's clients come back to the others over the window rather than
   * all in one tick (which overflows their accept queues when thousands return at once). New
   * upgrades are refused from the first moment; open connections keep working until their turn.
   * `0` closes all at once. Default: 6 ms per open connection (about 170 clients a second reach the
   * others), at most 10000 (1,000 connections: 6 s; 1,667 and more: 10 s).
   *
   * @example
   * process.once('SIGTERM', async () => {
   *   await upsocket.close({ spread: 2000 }) // ~2 s of close frames, then up to 10 s for handlers
   *   server.close()
   * })
   */
  spread?: number | undefined;
}

type ShutdownSettings = Resolved<Omit<ShutdownOptions, 'retryAfter' | 'spread'>> & Pick<ShutdownOptions, 'retryAfter' | 'spread'>;

/**
 * @internal `close()`'s options resolver. The code and reason are checked by `close()` with
 * `assertSendableClose()`, for the close code's own error code.
 */
export const shutdownOptions = defineOptions<ShutdownSettings>({
  code: { default: 1012 },
  reason: { default: '' },
  timeout: { default: 10_000 },
  retryAfter: { default: undefined, check: nonNegativeInteger as OptionCheck<number | undefined> },
  spread: { default: undefined, check: nonNegativeInteger as OptionCheck<number | undefined> },
});
