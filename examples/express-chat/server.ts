// An Express chat: auth before the 101, rooms as topics with history, a page that resumes after a
// drop. Run `npx tsx examples/express-chat/server.ts`, open http://localhost:3000/login?name=alice
// and, in another browser profile, /login?name=bob.
import express, { type NextFunction, type Request, type Response } from 'express';
import http from 'node:http';
import { createTopics } from 'upsocket';
import { attach, browserClientFile, websocket } from 'upsocket/express';

// Each room keeps its last 500 messages for 10 minutes, each with an id the page resumes from.
export const topics = createTopics({ history: { maxMessages: 500, maxAge: 600_000 }, envelope: true });
const app = express();

// Stands in for your session middleware: the user is whoever the cookie names.
const userOf = (req: Request) => /(?:^|;\s*)user=([\w-]{1,40})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (userOf(req) !== undefined) next();
  else res.status(401).send('log in at /login?name=you'); // before the 101: no WebSocket opens
}

app.get('/login', (req, res) => {
  res.cookie('user', String(req.query.name).replace(/[^\w-]/g, '').slice(0, 40), { httpOnly: true, sameSite: 'lax' });
  res.redirect('/');
});
app.get('/', requireUser, (_req, res) => res.sendFile('index.html', { root: import.meta.dirname }));
app.get('/upsocket.js', (_req, res) => res.sendFile(browserClientFile)); // the browser client, 6.3 KB

app.get('/chat/:room', requireUser, websocket(async (connection, req: Request<{ room: string }>) => {
  const topic = `room:${req.params.room}`;
  const name = userOf(req);
  // No `since`: a reconnecting page's URL says where it left off (upsocket-resume), so this replays
  // what it missed (or signals a gap), then goes live. A first visit starts live.
  await topics.subscribe(connection, topic);
  for await (const message of connection) await topics.publish(topic, { name, text: message.text() });
}));

export const server = http.createServer(app);
export const upsocket = attach(server, { maxMessageSize: 16 * 1024 });
const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => console.log(`chat at http://localhost:${port}/login?name=alice`));
