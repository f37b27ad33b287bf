// The chat demo in Koa with @koa/router, behind a (fake) cookie session: `npm run example:koa`,
// then open http://localhost:3000, log in, and chat from a second browser profile under another
// name.
//
// The point: the WebSocket route is an ordinary router route, so the session middleware and the
// `requireUser` guard run before the handshake is answered. Without a session the browser gets a
// plain 401 and no WebSocket is ever opened.
import http from 'node:http';
import Router, { type RouterContext } from '@koa/router';
import Koa, { type Next, type ParameterizedContext } from 'koa';
import { attach, websocket } from 'upsocket/koa';
import { BROWSER_CLIENT_PATH, browserClientScript } from '../shared/browser-client.js';
import { chatPage } from '../shared/chat-page.js';
import { chatOptions, normalizeName } from '../shared/chat-room.js';
import { chatInRoom, createChatTopics, DEFAULT_ROOM, roomName } from '../shared/chat-rooms.js';
import { serveWhenRunDirectly, type ChatServer } from '../shared/serve.js';
import { loginRequired, sessionCookie, userFromCookieHeader } from '../shared/session.js';

/** What the session middleware leaves in `ctx.state`: the logged-in name, if any. */
interface SessionState {
  user?: string | undefined;
}

type SessionContext = ParameterizedContext<SessionState>;

/** Reads the session cookie on every request. */
async function session(ctx: SessionContext, next: Next): Promise<void> {
  ctx.state.user = userFromCookieHeader(ctx.get('Cookie') || undefined);
  await next();
}

/** Refuses requests without a session with 401: for the WebSocket route, before any 101. */
async function requireUser(ctx: SessionContext, next: Next): Promise<void> {
  if (ctx.state.user === undefined) {
    ctx.status = 401;
    ctx.type = 'text/plain';
    ctx.body = loginRequired;
    return;
  }
  await next();
}

/** Answers 404 for a room name the chat does not accept, before any handshake. */
async function requireRoom(ctx: RouterContext<SessionState>, next: Next): Promise<void> {
  if (roomName(ctx.params.room) === undefined) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'No such room: names are 1 to 40 letters, digits, - or _\n';
    return;
  }
  await next();
}

/** The chat app and its server, not yet listening. */
export function createChatServer(): ChatServer {
  const topics = createChatTopics();
  const app = new Koa<SessionState>();
  const router = new Router<SessionState>();

  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = chatPage;
  });

  router.get(BROWSER_CLIENT_PATH, (ctx) => {
    ctx.type = 'text/javascript';
    ctx.body = browserClientScript();
  });

  router.get('/login', (ctx) => {
    const name = normalizeName(ctx.query.name);
    if (name === undefined) {
      ctx.status = 400;
      ctx.body = 'Say who you are: /login?name=alice (1 to 40 characters)\n';
      return;
    }
    ctx.set('Set-Cookie', sessionCookie(name));
    ctx.status = 303;
    ctx.redirect('/');
  });

  // The page asks this first: a refused WebSocket handshake's status is invisible to browsers.
  router.get('/me', requireUser, (ctx) => {
    ctx.body = { name: ctx.state.user };
  });

  // /chat is the default room, /chat/<room> any other.
  router.get(
    '/chat{/:room}',
    requireUser,
    requireRoom,
    // requireUser let this request through, so the user is set: it replaces the name the page sends.
    websocket((connection, ctx: RouterContext<SessionState>) =>
      chatInRoom(connection, topics, roomName(ctx.params.room) ?? DEFAULT_ROOM, ctx.state.user),
    ),
    (ctx) => {
      ctx.status = 426;
      ctx.set('Upgrade', 'websocket');
      ctx.body = 'This is the chat WebSocket; the page is at /\n';
    },
  );

  app.use(session);
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = http.createServer(app.callback());
  const upsocket = attach(server, chatOptions);
  return { server, upsocket, topics };
}

serveWhenRunDirectly(import.meta.url, createChatServer);
