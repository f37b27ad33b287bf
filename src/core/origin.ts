import type { IncomingMessage } from 'node:http';

/** An allowed origin: an exact origin ('https://app.example'), '*' for any, a RegExp, or a predicate. */
export type OriginRule = string | RegExp | ((origin: string, request: IncomingMessage) => boolean);

/** One rule or a list of rules; an origin is allowed when any rule matches. */
export type OriginPolicy = OriginRule | readonly OriginRule[];

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
  return request.headers.host;
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
