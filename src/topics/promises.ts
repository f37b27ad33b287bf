function noop(): void {}

/** One resolved promise for every answer that has nothing to wait for (compared by identity: nothing pending). */
export const resolved: Promise<void> = Promise.resolve();

/** A promise the caller may await, whose rejection is not reported as unhandled when they do not. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
