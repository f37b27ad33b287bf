import type { ClosedError } from './errors.js';

/** The close code and reason a connection ended with. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * @internal A connection's `closed` promise and `signal`, made on first use (most connections end
 * with nobody watching) and settled once, when the connection closes.
 */
export class ClosedWatch {
  #promise: Promise<CloseInfo> | undefined;
  #resolve: ((info: CloseInfo) => void) | undefined;
  #abortController: AbortController | undefined;
  /** How the connection ended, once it did. */
  #info: CloseInfo | undefined;
  #error: (() => ClosedError) | undefined;

  /** Resolves with the close code and reason once settled; never rejects. */
  get promise(): Promise<CloseInfo> {
    if (this.#promise === undefined) {
      this.#promise =
        this.#info !== undefined ? Promise.resolve(this.#info) : new Promise((resolve) => (this.#resolve = resolve));
    }
    return this.#promise;
  }

  /** Aborted (with the `ClosedError`) once settled. */
  get signal(): AbortSignal {
    if (this.#abortController === undefined) {
      this.#abortController = new AbortController();
      if (this.#error !== undefined) this.#abortController.abort(this.#error());
    }
    return this.#abortController.signal;
  }

  /**
   * The connection closed: `promise` resolves with `info`, `signal` aborts with `error()` (built
   * only if a signal was or is asked for).
   */
  settle(info: CloseInfo, error: () => ClosedError): void {
    this.#info = info;
    this.#error = error;
    this.#resolve?.(info);
    this.#abortController?.abort(error());
  }
}
