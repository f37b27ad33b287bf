// A fake cookie session for the Express and Koa examples: the cookie simply holds the user's name,
// so anyone can claim any name by setting it. It stands in for your real session middleware
// (express-session, koa-session, a signed JWT...) to show that whatever that middleware decides
// runs before the WebSocket handshake is answered.
import { normalizeName } from './chat-room.js';

const COOKIE_NAME = 'session';

/** The `Set-Cookie` value that logs `name` in. */
export function sessionCookie(name: string): string {
  return `${COOKIE_NAME}=${encodeURIComponent(name)}; Path=/; HttpOnly; SameSite=Lax`;
}

/** The logged-in user named by a `Cookie` request header, or undefined when there is none. */
export function userFromCookieHeader(header: string | undefined): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== COOKIE_NAME) continue;
    try {
      return normalizeName(decodeURIComponent(pair.slice(separator + 1).trim()));
    } catch {
      // Malformed percent-encoding: treat it as no session rather than failing the request.
      return undefined;
    }
  }
  return undefined;
}

/** What a request without a session gets, from `/me` and from the WebSocket route alike. */
export const loginRequired = 'Log in first: GET /login?name=your-name\n';
