// Options and arguments that used to be accepted silently (a misspelt key falls back to its
// default) or failed with a bare TypeError: each must throw UPSOCKET_INVALID_OPTION naming the key.
import http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { open as openExpress } from '../../../src/adapters/express/index.js';
import { open as openKoa } from '../../../src/adapters/koa/index.js';
import { createNextServer, open as openNext } from '../../../src/adapters/next/index.js';
import { attach, open } from '../../../src/adapters/node-http/index.js';
import { createRedisBackend } from '../../../src/topics/redis/index.js';
import { connect, createTopics, reconnecting, UpsocketError, type OpenOptions } from '../../../src/index.js';
import { inject, pair } from '../../../src/testing/index.js';
import { listen } from '../../helpers/server.js';
import { expectRefusal } from '../../helpers/ws-client.js';

/** The error `action` throws (or its promise rejects with); fails if it succeeds. */
async function failure(action: () => unknown): Promise<UpsocketError> {
  let outcome: unknown;
  try {
    await action();
    outcome = new Error('did not throw');
  } catch (error) {
    outcome = error;
  }
  if (outcome instanceof UpsocketError) return outcome;
  throw outcome;
}

async function expectInvalid(action: () => unknown, ...inMessage: string[]): Promise<void> {
  const error = await failure(action);
  expect(error.code).toBe('UPSOCKET_INVALID_OPTION');
  for (const text of inMessage) expect(error.message).toContain(text);
}

const server = (): http.Server => http.createServer();
const noop = (): void => {};

describe('unknown option keys', () => {
  it('attach() names the key, suggests the closest valid one and lists them all', async () => {
    const error = await failure(() => attach(server(), { maxMesageSize: 10 } as never));
    expect(error.code).toBe('UPSOCKET_INVALID_OPTION');
    expect(error.message).toBe(
      "attach(): unknown option 'maxMesageSize' (did you mean 'maxMessageSize'?). Valid options: protocols, origins, trustProxy, " +
        'maxMessageSize, compression, heartbeat, sendHighWaterMark, receiveHighWaterMark, maxConnections, capGroup, connectionsPerClient, retryAfter, ' +
        'rateLimit, headers, onError, onRefuse, filter, maxPendingUpgrades, upgradesPerSecond, upgradeBurst',
    );
    await expectInvalid(() => attach(server(), { colour: 'blue' } as never), "unknown option 'colour'. Valid options: protocols");
  });

  it('open() throws it into the route, which can still answer', async () => {
    const thrown: unknown[] = [];
    const httpServer = http.createServer((req, res) => {
      try {
        open(req, noop, { origin: 'https://app.example' } as OpenOptions);
      } catch (error) {
        thrown.push(error);
        res.writeHead(500).end();
      }
    });
    const { wsUrl } = await listen(httpServer, attach(httpServer));
    expect((await expectRefusal(wsUrl)).status).toBe(500);
    expect(thrown).toEqual([expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' })]);
    expect((thrown[0] as Error).message).toMatch(/^open\(\): unknown option 'origin' \(did you mean 'origins'\?\)/);
  });

  it('the client, topics, testing, Redis, Next and shutdown functions check theirs', async () => {
    await expectInvalid(() => connect('ws://127.0.0.1:1/', { handshakeTimout: 10 } as never), "connect(): unknown option 'handshakeTimout'", "'handshakeTimeout'");
    await expectInvalid(() => reconnecting('ws://127.0.0.1:1/', noop, { initialDelai: 10 } as never), "reconnecting(): unknown option 'initialDelai'", "'initialDelay'");
    await expectInvalid(() => createTopics({ maxBuffered: 10 } as never), "createTopics(): unknown option 'maxBuffered'", 'backend, maxBufferedAmount');
    await expectInvalid(() => pair({ maxMesageSize: 10 } as never), "pair(): unknown option 'maxMesageSize'");
    await expectInvalid(() => pair({ server: { heartbeat: 10 } } as never), "pair() options.server: unknown option 'heartbeat'");
    const attached = server();
    attach(attached);
    await expectInvalid(() => inject(attached, '/chat', { hedaers: {} } as never), "inject(): unknown option 'hedaers'", "'headers'");
    await expectInvalid(() => createRedisBackend({ prefx: 'app:' } as never), "createRedisBackend(): unknown option 'prefx'", "'prefix'");
    const nextNeverCalled = (): never => {
      throw new Error('createNextServer() created the Next app despite a bad option');
    };
    await expectInvalid(() => createNextServer(nextNeverCalled, {}, { maxMesageSize: 10 } as never), "createNextServer(): unknown option 'maxMesageSize'");
    const upsocket = attach(server());
    await expectInvalid(() => upsocket.close({ timout: 10 } as never), "close(): unknown option 'timout'", "'timeout'");
  });
});

describe('options that are no object', () => {
  it('null options are refused everywhere, saying what is expected', async () => {
    const message = 'options must be an object or undefined, got null';
    await expectInvalid(() => attach(server(), null as never), 'attach(): ', message);
    await expectInvalid(() => connect('ws://127.0.0.1:1/', null as never), 'connect(): ', message);
    await expectInvalid(() => reconnecting('ws://127.0.0.1:1/', noop, null as never), 'reconnecting(): ', message);
    await expectInvalid(() => createTopics(null as never), 'createTopics(): ', message);
    await expectInvalid(() => pair(null as never), 'pair(): ', message);
    await expectInvalid(() => createRedisBackend(null as never), 'createRedisBackend(): ', message);
    await expectInvalid(() => attach(server()).close(null as never), 'close(): ', message);
  });

  it('attach() of something other than an http(s) server', async () => {
    await expectInvalid(() => attach(express() as never), 'attach(server): server must be the http.Server, https.Server or node:http2 server', 'pass http.createServer(app)');
    await expectInvalid(() => attach({} as never), 'got object');
    await expectInvalid(() => attach(undefined as never), 'got undefined');
  });
});

describe('option values', () => {
  it("origins without a scheme can never match: the message says to write 'https://…'", async () => {
    await expectInvalid(() => attach(server(), { origins: ['example.com'] }), 'origins', "write 'https://example.com'");
    await expectInvalid(() => attach(server(), { origins: 'localhost:3000' }), 'origins', "write 'https://localhost:3000'");
  });

  it('origins with a path or a default port, a wildcard inside a string, or of a wrong type', async () => {
    await expectInvalid(() => attach(server(), { origins: ['https://app.example/login'] }), 'origins', "write 'https://app.example'");
    await expectInvalid(() => attach(server(), { origins: 'https://app.example:443' }), 'origins', "write 'https://app.example'");
    await expectInvalid(() => attach(server(), { origins: 'https://*.app.example' }), 'origins', 'RegExp');
    await expectInvalid(() => attach(server(), { origins: 42 as never }), 'origins', 'got number');
    await expectInvalid(() => attach(server(), { origins: [/ok/, null] as never }), 'origins', 'got null');
  });

  it('accepts every kind of origin rule that can match', () => {
    const origins = ['*', 'null', 'https://app.example', 'http://localhost:3000/', 'chrome-extension://abcdefgh', /^https:\/\/x$/, () => true];
    expect(() => attach(server(), { origins })).not.toThrow();
  });

  it('heartbeat: 0 (or negative) says that false disables the heartbeat, on the server and the client', async () => {
    await expectInvalid(() => attach(server(), { heartbeat: 0 }), 'heartbeat', 'false to disable the heartbeat', 'got 0');
    await expectInvalid(() => attach(server(), { heartbeat: -1000 }), 'heartbeat', 'false to disable the heartbeat');
    await expectInvalid(() => connect('ws://127.0.0.1:1/', { heartbeat: 0 }), 'heartbeat', 'false to disable the heartbeat');
    expect(() => attach(server(), { heartbeat: false })).not.toThrow();
  });

  it('filter and onRefuse must be functions', async () => {
    await expectInvalid(() => attach(server(), { filter: '/chat' as never }), 'filter must be a function');
    await expectInvalid(() => attach(server(), { onRefuse: false as never }), 'onRefuse must be a function');
  });
});

describe('open() with something other than a request', () => {
  const garbage: [string, unknown][] = [
    ['{}', {}],
    ['undefined', undefined],
    ["'x'", 'x'],
  ];
  for (const [label, value] of garbage) {
    it(`open(${label}) throws UPSOCKET_INVALID_OPTION naming the request, in every adapter`, async () => {
      for (const adapterOpen of [open, openExpress, openKoa, openNext] as ((request: never, handler: () => void) => boolean)[]) {
        await expectInvalid(() => adapterOpen(value as never, noop), "open(request, handler): request must be the framework's request", 'http.IncomingMessage');
      }
    });
  }
});
