import { describe, expect, it } from 'vitest';
import { io as connectSocketIo } from 'socket.io-client';
import { onCleanup } from '../../helpers/cleanup.js';
import { runExample } from '../../helpers/example-process.js';
import { TestClient } from '../../helpers/ws-client.js';

// The "Sharing the server" snippets, run verbatim: each upgrade goes to the server its path names,
// whatever query string the client adds (a token, a session id).
describe('the "Sharing the server" quick starts', () => {
  it('share-ws.ts hands /other to the second ws server, query string or not, and the rest to upsocket', async () => {
    const port = await runExample('quickstart/share-ws.ts');
    const url = `ws://127.0.0.1:${port}`;
    for (const path of ['/other', '/other?token=abc']) {
      const client = await TestClient.connect(`${url}${path}`);
      expect(await client.nextText(), path).toBe('hello from the other ws server');
    }
    for (const path of ['/', '/?token=abc', '/other/deeper', '/otherwise']) {
      const client = await TestClient.connect(`${url}${path}`);
      expect(await client.nextText(), path).toBe('hello from upsocket');
    }
  }, 30_000);

  it('share-socketio.ts leaves socket.io its upgrades (with its query string and the app\'s) and upsocket the rest', async () => {
    const port = await runExample('quickstart/share-socketio.ts');
    const socket = connectSocketIo(`http://127.0.0.1:${port}`, { transports: ['websocket'], query: { token: 'abc' }, reconnection: false });
    onCleanup(() => socket.close());
    const greeting = await new Promise<string>((resolve, reject) => {
      socket.on('hello', resolve);
      socket.on('connect_error', reject);
    });
    expect(greeting).toBe('from socket.io');
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/?token=abc`);
    expect(await client.nextText()).toBe('hello from upsocket');
  }, 30_000);
});
