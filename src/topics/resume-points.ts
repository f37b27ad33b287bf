/** The query parameter that carries a resuming client's last id per topic. */
const PARAMETER = 'upsocket-resume';
const MAX_TOPICS = 256;

/**
 * Where a reconnecting client left off: the `upsocket-resume` query parameter of the upgrade
 * request's URL, a URL-encoded JSON object `{ "<topic>": "<last id>" }`, as a record to pass to
 * `topics.subscribe(connection, topic, { since })`. Never throws: a missing or malformed parameter
 * gives `{}`, values that are not strings are left out, and only the first 256 topics are kept.
 * What a client claims is untrusted: check that it may read each topic before subscribing.
 *
 * @example
 * open(req, async (connection) => {
 *   const since = resumePoints(req)['room:lobby']
 *   await topics.subscribe(connection, 'room:lobby', { since, envelope: true })
 * })
 */
export function resumePoints(request: { readonly url?: string | undefined }): Record<string, string> {
  const url = request.url;
  if (typeof url !== 'string' || !url.includes(PARAMETER)) return {};
  let parsed: unknown;
  try {
    const raw = new URL(url, 'http://localhost').searchParams.get(PARAMETER);
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
