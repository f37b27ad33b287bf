import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createChatServer } from '../../examples/express/server.js';
import { loginRequired } from '../../examples/shared/session.js';
import { HandshakeError, inject, type Connection } from '../../src/testing/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { nextRoomMessage } from '../helpers/room-messages.js';
import { handshakeFailure } from '../helpers/client.js';

/** The Express chat example, attached but never listening. */
function chatServer(): http.Server {
  const { server, upsocket } = createChatServer();
  onCleanup(() => upsocket.close({ timeout: 500 }));
  return server;
}

async function injected(server: http.Server, path: string, cookie?: string): Promise<Connection> {
  const connection = await inject(server, path, cookie === undefined ? undefined : { headers: { cookie } });
  onCleanup(() => connection.terminate());
  return connection;
}

describe('inject() with the Express example', () => {
  it("runs the session middleware and requireUser: no session is the guard's 401 with its body", async () => {
    const server = chatServer();
    const error = await handshakeFailure(inject(server, '/chat'));
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_FAILED', status: 401, body: loginRequired });
    expect(server.listening).toBe(false);
  });

  it('opens the chat route with a session cookie; the room stamps the session name', async () => {
    const server = chatServer();
    const alice = await injected(server, '/chat', 'session=alice');
    const bob = await injected(server, '/chat', 'session=bob');
    alice.sendJSON({ type: 'say', name: 'mallory', text: 'hi all' });
    for (const connection of [alice, bob]) {
      expect(await nextRoomMessage(async () => (await connection.read())!.text())).toMatchObject({ type: 'said', name: 'alice', text: 'hi all' });
    }
    expect(server.listening).toBe(false);
  });

  it("answers invalid input with an error message and binary with 1003, as the route's handler does", async () => {
    const server = chatServer();
    const client = await injected(server, '/chat', 'session=alice');
    client.sendText('not json');
    expect(await nextRoomMessage(async () => (await client.read())!.text())).toEqual({ type: 'error', reason: 'Messages must be JSON' });
    client.sendBinary(new Uint8Array([1]));
    expect(await client.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1003 });
  });

  it("reports a plain HTTP route's answer as a refused handshake", async () => {
    const error = await handshakeFailure(inject(chatServer(), '/me', { headers: { cookie: 'session=alice' } }));
    expect(error.status).toBe(200);
    expect(JSON.parse(error.body)).toEqual({ name: 'alice' });
  });
});

describe('inject() misuse', () => {
  it('rejects with UPSOCKET_NOT_ATTACHED for a server without attach()', async () => {
    const server = http.createServer();
    await expect(inject(server, '/')).rejects.toMatchObject({ code: 'UPSOCKET_NOT_ATTACHED' });
  });

  it("rejects with UPSOCKET_INVALID_OPTION for a path without a leading '/'", async () => {
    await expect(inject(chatServer(), 'chat')).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
  });
});
