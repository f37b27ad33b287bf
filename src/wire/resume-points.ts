// Resume points (docs/protocol.md, "Resuming"): the last id a client has per topic, carried in
// the `upsocket-resume` query parameter of the upgrade URL. The server reads it (resumePoints()),
// both clients keep and send it (ResumePoints).
import { compareIdsAt, dashOf } from './ids.js';
import { seamMeansGap } from './seam.js';

/** @internal The query parameter that carries a resuming client's last id per topic. */
export const RESUME_PARAMETER = 'upsocket-resume';
/** More topics than this in one parameter are ignored: a bound on what one URL makes us parse. */
const MAX_TOPICS = 256;

/**
 * Where a reconnecting client left off: the `upsocket-resume` query parameter of the upgrade
 * request's URL, a URL-encoded JSON object `{ "<topic>": "<last id>" }`. Never throws: a missing
 * or malformed parameter gives `{}`, values that are not strings are left out, and only the first
 * 256 topics are kept. With history, `topics.subscribe(connection, topic)` uses it by itself when
 * the route passes no `since`. What a client claims is untrusted: check that it may read each
 * topic before subscribing.
 *
 * @example
 * open(req, async (connection) => {
 *   const since = resumePoints(req)['room:lobby']
 *   await topics.subscribe(connection, 'room:lobby', { since, envelope: true })
 * })
 */
export function resumePoints(request: { readonly url?: string | undefined }): Record<string, string> {
  const url = request.url;
  if (typeof url !== 'string' || !url.includes(RESUME_PARAMETER)) return {};
  let parsed: unknown;
  try {
    const raw = new URL(url, 'http://localhost').searchParams.get(RESUME_PARAMETER);
    if (raw === null) return {};
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const points: [string, string][] = [];
  for (const [topic, id] of Object.entries(parsed)) {
    if (typeof id !== 'string' || topic === '') continue;
    points.push([topic, id]);
    if (points.length === MAX_TOPICS) break;
  }
  // fromEntries defines own properties: a "__proto__" key stays a key, not a prototype.
  return Object.fromEntries(points);
}

/**
 * @internal A client's side of resuming: the last message id seen per topic, and what follows
 * from it: which envelope messages are duplicates, which seams mean a gap, and the URL that asks
 * the server to replay what came after. Shared by the browser client and the Node
 * `reconnecting({ resume: true })` client.
 */
export class ResumePoints {
  /**
   * Per topic, its last id and that id's `dashOf()`: the id is checked once, when it is stored,
   * not again on each message it is compared with. Updated in place: no object per message.
   */
  readonly #lastIds = new Map<string, { id: string; dash: number }>();

  constructor(since: Readonly<Record<string, string>> = {}) {
    for (const [topic, id] of Object.entries(since)) this.#lastIds.set(topic, { id, dash: dashOf(id) });
  }

  /** A copy: `{ topic: lastId }`. */
  get lastIds(): Record<string, string> {
    return Object.fromEntries(Array.from(this.#lastIds, ([topic, { id }]) => [topic, id]));
  }

  /** Records `id` and returns true when it is newer than the last one seen for `topic`; false for a duplicate. */
  accept(topic: string, id: string): boolean {
    const dash = dashOf(id);
    const last = this.#lastIds.get(topic);
    if (last === undefined) {
      this.#lastIds.set(topic, { id, dash });
      return true;
    }
    if (compareIdsAt(id, dash, last.id, last.dash) <= 0) return false;
    last.id = id;
    last.dash = dash;
    return true;
  }

  /**
   * A seam marker: returns true when it means a gap (`seamMeansGap()`). Its `after` becomes the
   * topic's resume point when newer than the last id (never older: a mid-stream seam must not
   * make later messages look like duplicates), so a topic with no message yet resumes from there.
   */
  seam(topic: string, after: string | undefined, gap: boolean): boolean {
    const missed = seamMeansGap(this.#lastIds.get(topic)?.id, after, gap);
    if (after !== undefined) this.accept(topic, after);
    return missed;
  }

  /** `url` with `upsocket-resume=<encodeURIComponent(JSON)>` appended, or `url` itself before any id is known. */
  url(url: string): string {
    if (this.#lastIds.size === 0) return url;
    const value = encodeURIComponent(JSON.stringify(this.lastIds));
    return `${url}${url.includes('?') ? '&' : '?'}${RESUME_PARAMETER}=${value}`;
  }
}
