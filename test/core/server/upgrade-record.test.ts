import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open } from '../../../src/adapters/node-http/index.js';
import { UpsocketError } from '../../../src/index.js';
import { Upgrade } from '../../../src/core/server/upgrade.js';
import { delay, listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

// V8's scavenger treats the values of a WeakMap in the old generation as strong: an upgrade's
// own record left in the map after it ended would keep its socket, request and response alive
// into the old generation until the next full GC.
// So an ended upgrade is recorded by a shared object that holds nothing of the exchange.
describe('the record open() finds for a routed request', () => {
  it('is a shared ended record once the upgrade opened, and a second open() says it was opened', async () => {
    const requests: http.IncomingMessage[] = [];
    const server = http.createServer((req) => {
      requests.push(req);
      open(req, (connection) => connection.sendText('hi'));
    });
    const { wsUrl } = await listen(server, attach(server));
    for (let i = 0; i < 2; i++) expect(await (await TestClient.connect(wsUrl)).nextText()).toBe('hi');
    const [first, second] = requests.map((request) => Upgrade.of(request));
    expect(first).toBeDefined();
    expect(first).not.toBeInstanceOf(Upgrade);
    expect(second).toBe(first);
    const error = (() => {
      try {
        open(requests[0]!, () => {});
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UpsocketError);
    expect((error as UpsocketError).code).toBe('UPSOCKET_ALREADY_HANDLED');
    expect((error as Error).message).toContain('already opened');
  });

  it('is a shared ended record once the app answered over HTTP, and a later open() says so', async () => {
    const requests: http.IncomingMessage[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req);
      res.writeHead(401).end();
    });
    const { wsUrl } = await listen(server, attach(server));
    for (let i = 0; i < 2; i++) expect((await expectRefusal(wsUrl)).status).toBe(401);
    await delay(20);
    const [first, second] = requests.map((request) => Upgrade.of(request));
    expect(first).not.toBeInstanceOf(Upgrade);
    expect(second).toBe(first);
    expect(() => open(requests[0]!, () => {})).toThrow(/already answered over HTTP/);
  });
});
