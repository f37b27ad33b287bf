import type { IncomingMessage } from 'node:http';

/** `203.0.113.7`, `"[2001:db8::1]:4711"` → `2001:db8::1`, `203.0.113.7:4711` → `203.0.113.7`. */
function bareAddress(node: string): string {
  const value = node.trim().replace(/^"|"$/g, '');
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  // One colon is an IPv4 address with a port; more is a bare IPv6 address.
  return value.indexOf(':') === value.lastIndexOf(':') ? value.split(':')[0]! : value;
}

function forwardedFor(request: IncomingMessage): string | undefined {
  const forwarded = request.headers.forwarded;
  if (forwarded !== undefined) {
    const match = /(?:^|;)\s*for=("[^"]*"|[^;,]+)/i.exec(forwarded.split(',')[0] ?? '');
    if (match?.[1] !== undefined) return bareAddress(match[1]);
  }
  const header = request.headers['x-forwarded-for'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  return first ? bareAddress(first) : undefined;
}

/**
 * @internal Who a client is by default, for `connectionsPerClient`: the address the proxy says it
 * forwarded for (first element of `Forwarded`, else of `X-Forwarded-For`, as the origin check reads
 * `Forwarded`'s host) when `trustProxy` is set, else the socket's remote address. Proxy headers
 * are believed only when the app opted in: any client can send them.
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? forwardedFor(request) : undefined;
  return forwarded ?? request.socket?.remoteAddress ?? 'unknown';
}
