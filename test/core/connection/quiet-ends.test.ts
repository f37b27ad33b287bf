import { Duplex, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../../src/client/index.js';
import type { Connection } from '../../../src/index.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';
import { deferred } from '../../helpers/deferred.js';

// Node's end() on a stream that already ended builds an ERR_STREAM_ALREADY_FINISHED (or
// ERR_STREAM_DESTROYED) error with a stack trace even when nobody is given it; ws makes three
// such calls per close. These tests count the calls that would build one, in the whole process.
const originals = { writable: Writable.prototype.end, duplex: Duplex.prototype.end };
let wasted: string[] = [];

function countWasted(original: (...args: unknown[]) => unknown) {
  return function end(this: Writable, ...args: unknown[]): unknown {
    const buildsError = (this.writableEnded || this.errored !== null) && (this.writableFinished || this.destroyed);
    if (buildsError && typeof args.at(-1) !== 'function') wasted.push(this.constructor.name);
    return original.apply(this, args);
  };
}

function spyOnEnds(): void {
  wasted = [];
  Writable.prototype.end = countWasted(originals.writable as never) as never;
  Duplex.prototype.end = countWasted(originals.duplex as never) as never;
}

afterEach(() => {
  Writable.prototype.end = originals.writable;
  Duplex.prototype.end = originals.duplex;
});

async function echoOnce(closeFrom: 'client' | 'server'): Promise<void> {
  const serverClosed = deferred<void>();
  const { wsUrl } = await nodeHttpFixture.start({
    handler: async (connection: Connection) => {
      const message = await connection.read();
      if (message?.type === 'text') connection.sendText(message.text());
      if (closeFrom === 'server') await connection.close(1000, 'done');
      else await connection.read();
      serverClosed.resolve();
    },
  });
  const client = await connect(`${wsUrl}/rooms/lobby`);
  client.sendText('hello');
  const echoed = await client.read();
  expect(echoed?.type === 'text' && echoed.text()).toBe('hello');
  if (closeFrom === 'client') await client.close(1000, 'bye');
  else expect(await client.read()).toBeNull();
  await serverClosed.promise;
  // Both sockets fully closed: every end() ws makes has been made.
  await Promise.all([client.closed.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 50))]);
}

describe('closing a connection', () => {
  it('the spy sees a wasted end(): a stream ended twice is counted', () => {
    spyOnEnds();
    const stream = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    stream.end();
    stream.on('error', () => {});
    return new Promise<void>((resolve) => {
      stream.on('finish', () => {
        stream.end();
        expect(wasted).toEqual(['Writable']);
        resolve();
      });
    });
  });

  it.each(['client', 'server'] as const)('closed by the %s, ends no stream twice (no thrown-away errors on either side)', async (closeFrom) => {
    spyOnEnds();
    await echoOnce(closeFrom);
    expect(wasted).toEqual([]);
  });
});
