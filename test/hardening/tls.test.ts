// WebSockets over TLS: the same attach()/open() on an https.Server, with a certificate made for
// this test (openssl), verified by the client rather than waved through.
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import { expect, it } from 'vitest';
import { attach, open, type Connection } from '../../src/adapters/node-http/index.js';
import { selfSignedCertificate } from '../helpers/certificate.js';
import { describeNeeding, openssl } from '../helpers/external-programs.js';
import { listen } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

describeNeeding('TLS', { needs: [openssl] }, () => {
  it('opens, echoes and closes over https.createServer (wss://), with the same-origin check on https', async () => {
    const { key, cert } = await selfSignedCertificate();
    let connection!: Connection;
    const server = https.createServer({ key, cert }, (req, res) => {
      const handled = open(req, async (opened) => {
        connection = opened;
        for await (const message of opened) opened.sendText(`secure: ${message.text()}`);
      });
      if (!handled) res.end('https');
    });
    const { upsocket, wsUrl, httpUrl } = await listen(server, attach(server));

    // The client checks the certificate against the one we made: no rejectUnauthorized: false.
    const client = await TestClient.connect(`${wsUrl}/`, undefined, { ca: cert, origin: httpUrl });
    client.ws.send('hello');
    expect(await client.nextText()).toBe('secure: hello');
    expect(connection.request.socket).toBeInstanceOf(TLSSocket);
    expect((connection.request.socket as TLSSocket).encrypted).toBe(true);
    client.ws.close(1000);
    expect((await client.closed).code).toBe(1000);
    expect(await connection.closed).toEqual({ code: 1000, reason: '' });

    // A cross-site page is refused over TLS too.
    await expect(TestClient.connect(`${wsUrl}/`, undefined, { ca: cert, origin: 'https://evil.example' })).rejects.toThrow('unexpected HTTP 403');
    // An unverified certificate is refused by the client, as it should be.
    await expect(TestClient.connect(`${wsUrl}/`)).rejects.toThrow(/self.signed/);
    expect(upsocket.connections.size).toBe(0);
  });
});
