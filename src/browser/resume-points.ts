import { compareIds } from './envelope.js';

/** The query parameter that carries the last id seen per topic to the server on a reconnect. */
export const RESUME_PARAMETER = 'upsocket-resume';

/**
 * The last message id seen per topic, and what follows from it: which envelope messages are
 * duplicates, and the URL that asks the server to replay what came after. Shared by the browser
 * client and the Node `reconnecting()` client (README "Browser client").
 */
export class ResumePoints {
  readonly #lastIds = new Map<string, string>();

  constructor(since: Readonly<Record<string, string>> = {}) {
    for (const [topic, id] of Object.entries(since)) this.#lastIds.set(topic, id);
  }

  /** A copy: `{ topic: lastId }`. */
  get lastIds(): Record<string, string> {
    return Object.fromEntries(this.#lastIds);
  }

  /** Records `id` and returns true when it is newer than the last one seen for `topic`; false for a duplicate. */
  accept(topic: string, id: string): boolean {
    const last = this.#lastIds.get(topic);
    if (last !== undefined && compareIds(id, last) <= 0) return false;
    this.#lastIds.set(topic, id);
    return true;
  }

  /**
   * A seam marker's `after`: the last message the server knew of when the subscription went live.
   * Everything up to it was replayed or predates the subscription, so a later resume starts there
   * even if no message of the topic arrived yet.
   */
  seam(topic: string, after: string | undefined): void {
    if (after !== undefined) this.accept(topic, after);
  }

  /** `url` with `upsocket-resume=<encodeURIComponent(JSON)>` appended, or `url` itself before any id is known. */
  url(url: string): string {
    if (this.#lastIds.size === 0) return url;
    const value = encodeURIComponent(JSON.stringify(this.lastIds));
    return `${url}${url.includes('?') ? '&' : '?'}${RESUME_PARAMETER}=${value}`;
  }
}
