import type { Connection } from '../core/index.js';
import { RESUME_PARAMETER, resumePoints } from '../wire/index.js';

/**
 * @internal With history, where each connection's client said it left off: the resume points of
 * its upgrade URL (`upsocket-resume`), for `subscribe()` calls that pass no `since`, so a route
 * that forgets it still resumes the client. Parsed once per connection, kept only for connections
 * that carry some, and a point serves one subscribe: it says where the client was when it
 * connected, not where it is when it subscribes to the topic again later.
 */
export class RequestResumePoints {
  readonly #untaken = new WeakMap<Connection, Record<string, string>>();

  /** The resume point `connection`'s upgrade URL gave `topic`, unless a subscribe took it already. */
  take(connection: Connection, topic: string): string | undefined {
    let points = this.#untaken.get(connection);
    if (points === undefined) {
      // Most connections carry none: one includes(), no parsing and no entry for them.
      const url = connection.request.url;
      if (typeof url !== 'string' || !url.includes(RESUME_PARAMETER)) return undefined;
      points = resumePoints(connection.request);
      this.#untaken.set(connection, points);
    }
    if (!Object.hasOwn(points, topic)) return undefined;
    const since = points[topic];
    delete points[topic];
    return since;
  }
}
