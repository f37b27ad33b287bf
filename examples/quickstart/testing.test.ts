import express from 'express';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, websocket } from 'upsocket/express';
import { inject, pair, type Connection } from 'upsocket/testing';

async function shout(connection: Connection): Promise<void> {
  for await (const message of connection) connection.sendText(message.text().toUpperCase());
}

function createServer(): http.Server {
  const app = express();
  app.use((req, res, next) => (req.headers.cookie === 'session=alice' ? next() : res.status(401).send('log in')));
  app.get('/shout', websocket(shout));
  const server = http.createServer(app);
  attach(server);
  return server; // not listening: inject() needs no port
}

describe('shout', () => {
  it('answers in memory', async () => {
    const [, client] = pair(shout);
    client.sendText('hi');
    expect((await client.read())?.text()).toBe('HI');
    await client.close();
  });

  it('goes through the auth middleware', async () => {
    const server = createServer();
    await expect(inject(server, '/shout')).rejects.toMatchObject({ status: 401 });
    const client = await inject(server, '/shout', { headers: { cookie: 'session=alice' } });
    client.sendText('hi');
    expect((await client.read())?.text()).toBe('HI');
    await client.close();
  });
});
