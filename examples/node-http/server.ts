// The chat demo on a bare node:http server: `npm start`, then open http://localhost:3000 in two
// browser tabs (http://localhost:3000/?room=kitchen for another room). With REDIS_URL set, start a
// second one with PORT=3001: both share their rooms. Everything but the routing below lives in
// ../shared: the page, the chat room's rules, and starting/stopping the server.
import http from 'node:http';
import { attach, open } from 'upsocket/node-http';
import { BROWSER_CLIENT_PATH, browserClientScript } from '../shared/browser-client.js';
import { chatPage } from '../shared/chat-page.js';
import { chatOptions } from '../shared/chat-room.js';
import { chatInRoom, createChatTopics, roomName } from '../shared/chat-rooms.js';
import { serveWhenRunDirectly, type ChatServer } from '../shared/serve.js';

/** The chat server, not yet listening. There are no sessions here: each browser picks a name. */
export function createChatServer(): ChatServer {
  const topics = createChatTopics();
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    // /chat is the default room, /chat/<room> any other.
    const chatPath = /^\/chat(?:\/([^/]*))?$/.exec(pathname);
    const room = chatPath === null ? undefined : roomName(chatPath[1]);

    if (room !== undefined) {
      // open() answers the upgrade (or refuses it over HTTP); false means a plain HTTP request.
      if (open(req, (connection) => chatInRoom(connection, topics, room))) return;
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('This is the chat WebSocket; the page is at /\n');
      return;
    }

    if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(chatPage) });
      res.end(req.method === 'HEAD' ? undefined : chatPage);
      return;
    }

    if (pathname === BROWSER_CLIENT_PATH && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(browserClientScript());
      return;
    }

    // Includes /me: the page reads a 404 there as "no login on this server, ask for a name".
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Not Found\n');
  });
  const upsocket = attach(server, chatOptions);
  return { server, upsocket, topics };
}

serveWhenRunDirectly(import.meta.url, createChatServer);
