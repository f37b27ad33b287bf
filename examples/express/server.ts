// The chat demo in Express, behind a (fake) cookie session: `npm run example:express`, then open
// http://localhost:3000, log in, and chat from a second browser profile under another name.
//
// The point: the WebSocket route is an ordinary Express route, so the session middleware and the
// `requireUser` guard run before the handshake is answered. Without a session the browser gets a
// plain 401 and no WebSocket is ever opened.
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { attach, websocket } from 'upsocket/express';
import { BROWSER_CLIENT_PATH, browserClientScript } from '../shared/browser-client.js';
import { chatPage } from '../shared/chat-page.js';
import { chatOptions, normalizeName } from '../shared/chat-room.js';
import { chatInRoom, createChatTopics, DEFAULT_ROOM, roomName } from '../shared/chat-rooms.js';
import { serveWhenRunDirectly, type ChatServer } from '../shared/serve.js';
import { loginRequired, sessionCookie, userFromCookieHeader } from '../shared/session.js';

/**
 * Express's idiom for what session middleware found: a property on `req`, as passport's
 * `req.user`. Declared here rather than by augmenting Express's global `Request` type.
 */
type SessionRequest = Request & { user?: string | undefined };

/** Reads the session cookie on every request; `req.user` is the logged-in name, if any. */
function session(req: SessionRequest, _res: Response, next: NextFunction): void {
  req.user = userFromCookieHeader(req.headers.cookie);
  next();
}

/** Refuses requests without a session with 401: for the WebSocket route, before any 101. */
function requireUser(req: SessionRequest, res: Response, next: NextFunction): void {
  if (req.user === undefined) {
    res.status(401).type('text/plain').send(loginRequired);
    return;
  }
  next();
}

/** Answers 404 for a room name the chat does not accept, before any handshake. */
function requireRoom(req: Request, res: Response, next: NextFunction): void {
  if (roomName(req.params.room) === undefined) {
    res.status(404).type('text/plain').send('No such room: names are 1 to 40 letters, digits, - or _\n');
    return;
  }
  next();
}

/** The chat app and its server, not yet listening. */
export function createChatServer(): ChatServer {
  const topics = createChatTopics();
  const app = express();
  app.use(session);

  app.get('/', (_req, res) => {
    res.type('html').send(chatPage);
  });
  app.get(BROWSER_CLIENT_PATH, (_req, res) => {
    res.type('text/javascript').send(browserClientScript());
  });

  app.get('/login', (req, res) => {
    const name = normalizeName(req.query.name);
    if (name === undefined) {
      res.status(400).type('text/plain').send('Say who you are: /login?name=alice (1 to 40 characters)\n');
      return;
    }
    res.setHeader('Set-Cookie', sessionCookie(name));
    res.redirect(303, '/');
  });

  // The page asks this first: a refused WebSocket handshake's status is invisible to browsers.
  app.get('/me', requireUser, (req: SessionRequest, res) => {
    res.json({ name: req.user });
  });

  // /chat is the default room, /chat/<room> any other.
  app.get(
    '/chat{/:room}',
    requireUser,
    requireRoom,
    // requireUser let this request through, so req.user is set: it replaces the name the page sends.
    websocket((connection, req: SessionRequest) => chatInRoom(connection, topics, roomName(req.params.room) ?? DEFAULT_ROOM, req.user)),
    (_req, res) => {
      res.status(426).set('Upgrade', 'websocket').type('text/plain').send('This is the chat WebSocket; the page is at /\n');
    },
  );

  const server = http.createServer(app);
  const upsocket = attach(server, chatOptions);
  return { server, upsocket, topics };
}

serveWhenRunDirectly(import.meta.url, createChatServer);
