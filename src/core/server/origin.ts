import type { IncomingMessage } from 'node:http';
import { UpsocketError } from '../connection/errors.js';

/** An allowed origin: an exact origin ('https://app.example'), '*' for any, a RegExp, or a predicate. */
export type OriginRule = string | RegExp | ((origin: string, request: IncomingMessage) => boolean);

/** One rule or a list of rules; an origin is allowed when any rule matches. */
export type OriginPolicy = OriginRule | readonly OriginRule[];

function invalidOrigins(message: string): UpsocketError {
  return new UpsocketError('UPSOCKET_INVALID_OPTION', `origins: ${message}`);
}

/**
 * A listed string is compared with the whole Origin header, which is `scheme://host[:port]` (the
 * port only when not the default) or `null`: a rule of another shape can never match.
 */
function assertOriginString(rule: string): void {
  if (rule === '*' || rule === 'null') return;
  if (rule.includes('*')) {
    throw invalidOrigins(`'${rule}': a string is matched exactly, '*' only stands alone; for a pattern use a RegExp, e.g. /^https:\\/\\/[a-z0-9-]+\\.example\\.com$/`);
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(rule)) {
    throw invalidOrigins(`'${rule}' has no scheme, so it can never match an Origin header (always scheme://host[:port] or null): write 'https://${rule}'`);
  }
  let url: URL;
  try {
    url = new URL(rule);
  } catch {
    throw invalidOrigins(`'${rule}' is not a valid origin (scheme://host[:port])`);
  }
  const written = rule.replace(/\/+$/, '').toLowerCase();
  // Non-special schemes (chrome-extension:) have an opaque URL origin: only rule out a path there.
  const expected = url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin;
  if (written !== expected.toLowerCase()) {
    throw invalidOrigins(`'${rule}' can never match an Origin header, which is only scheme://host[:port] (no path, no default port): write '${expected}'`);
  }
}

/** @internal Throws `UPSOCKET_INVALID_OPTION` unless `policy` is an `OriginPolicy` whose strings can match. */
export function assertOriginPolicy(policy: unknown): void {
  if (policy === undefined) return;
  for (const rule of Array.isArray(policy) ? policy : [policy]) {
    if (typeof rule === 'string') assertOriginString(rule);
    else if (!(rule instanceof RegExp) && typeof rule !== 'function') {
      throw invalidOrigins(`expected origins like 'https://app.example', '*', a RegExp or (origin, request) => boolean, or an array of those; got ${rule === null ? 'null' : typeof rule}`);
    }
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim() || undefined;
}

/** The host named in the first element of an RFC 7239 `Forwarded` header. */
function forwardedHost(header: string | undefined): string | undefined {
  const first = header?.split(',')[0];
  const match = first ? /(?:^|;)\s*host="?([^";]+)"?/i.exec(first) : null;
  return match?.[1];
}

/**
 * The host the client addressed. Proxy headers are believed only when the app opted in, because
 * any client can send them.
 */
function requestHost(request: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = forwardedHost(firstHeader(request.headers.forwarded)) ?? firstHeader(request.headers['x-forwarded-host']);
    if (forwarded) return forwarded;
  }
  // HTTP/2 names the host in :authority (RFC 9113 §8.3.1); an HTTP/2 request may carry neither.
  return request.headers.host ?? (request.headers[':authority'] as string | undefined);
}

function isSameOrigin(origin: string, request: IncomingMessage, trustProxy: boolean): boolean {
  const host = requestHost(request, trustProxy);
  if (host === undefined) return false;
  try {
    const originUrl = new URL(origin);
    // Parse the Host with the origin's scheme so default ports compare equal (example.com:443).
    return new URL(`${originUrl.protocol}//${host}`).host === originUrl.host;
  } catch {
    return false;
  }
}

function matchesRule(rule: OriginRule, origin: string, request: IncomingMessage): boolean {
  if (typeof rule === 'function') return rule(origin, request);
  if (rule instanceof RegExp) return rule.test(origin);
  return rule === '*' || rule.replace(/\/+$/, '').toLowerCase() === origin.toLowerCase();
}

/**
 * Whether a browser page at `Origin` may open this socket. No Origin header (not a browser) and
 * same-origin requests are allowed; anything else only when `policy` lists it. This is what stops
 * cross-site WebSocket hijacking of a logged-in user's cookies.
 */
export function isOriginAllowed(request: IncomingMessage, policy: OriginPolicy | undefined, trustProxy: boolean): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (isSameOrigin(origin, request, trustProxy)) return true;
  if (policy === undefined) return false;
  const rules = Array.isArray(policy) ? policy : [policy as OriginRule];
  return rules.some((rule) => matchesRule(rule, origin, request));
}
