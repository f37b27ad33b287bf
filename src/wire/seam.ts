// The seam rule (docs/protocol.md, "Seams and gaps"): what a resuming client concludes from a
// seam marker. One rule for both clients, so that a server which forgot the client's resume
// point cannot make either of them lose messages silently.
import { compareIds } from './ids.js';

/**
 * @internal Whether a seam marker of a topic means the client missed some of its messages: the
 * server says so (`gap`), or the seam's `after` is newer than the last id the client holds for
 * the topic. Everything up to `after` was due before the seam (replayed, or live before it), so a
 * newer `after` means the server skipped messages the client never got: a route that subscribed
 * without the client's resume point, say. A client with no id for the topic has nothing to miss.
 */
export function seamMeansGap(lastId: string | undefined, after: string | undefined, gap: boolean): boolean {
  return gap || (lastId !== undefined && after !== undefined && compareIds(after, lastId) > 0);
}
