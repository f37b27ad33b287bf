import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { backoffDelay, resolveBackoff } from '../../src/client/backoff.js';
import { ClosedError, HandshakeError, reconnecting, type Connection, type ReconnectEvent } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { deferred } from '../helpers/deferred.js';
import { listen, until } from '../helpers/server.js';

/** A server whose answer to the n-th upgrade (from 1) the test decides: a status to refuse with, or a handler. */
async function scriptedServer(answer: (n: number) => number | ((connection: Connection) => unknown)): Promise<string> {
  let upgrades = 0;
  const server = http.createServer((request, response) => {
    const decision = answer(++upgrades);
    if (typeof decision === 'number') {
      response.writeHead(decision, { 'Content-Type': 'text/plain' }).end(`refused attempt ${upgrades}`);
      return;
    }
    open(request, async (connection) => void (await decision(connection)), { heartbeat: false });
  });
  const { wsUrl } = await listen(server, attach(server));
  return wsUrl;
}

const fast = { initialDelay: 10, maxDelay: 40, jitter: 0 };

describe('backoff', () => {
  it('grows exponentially from initialDelay, is capped at maxDelay, and jitter only shortens it', () => {
    const backoff = resolveBackoff({ initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5 });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, backoff, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 5].map((attempt) => backoffDelay(attempt, backoff, () => 1))).toEqual([50, 100, 500]);
    expect(resolveBackoff({})).toEqual({ initialDelay: 500, maxDelay: 30_000, factor: 2, jitter: 0.5, restartDelay: 1000 });
  });

  it('rejects nonsense with UPSOCKET_INVALID_OPTION', () => {
    for (const options of [{ initialDelay: 0 }, { initialDelay: 100, maxDelay: 50 }, { factor: 0.5 }, { jitter: 2 }, { jitter: Number.NaN }]) {
      expect(() => resolveBackoff(options)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    }
  });
});

describe('reconnecting()', () => {
  it('reconnects after the server closes, reporting each reconnect, and runs the handler per connection', async () => {
    const url = await scriptedServer((n) => (connection) => (n === 1 ? connection.close(1012, 'restarting') : connection.closed));
    const events: ReconnectEvent[] = [];
    const handled: number[] = [];
    const handler = async (connection: Connection): Promise<void> => {
      handled.push(handled.length + 1);
      await connection.closed;
    };
    // restartDelay: 0: after 1012 it comes back at once (the spread is test/client/reconnect-restart.test.ts's).
    const client = reconnecting(`${url}/feed`, handler, {
      ...fast,
      restartDelay: 0,
      onReconnect: (event) => events.push(event),
    });
    onCleanup(() => client.close());
    await until(() => handled.length === 2 && client.state === 'open', 5000, 'the second connection');
    expect(events).toEqual([{ attempt: 1, delay: 0, closed: { code: 1012, reason: 'restarting' } }]);
    await client.close();
    expect(client.state).toBe('stopped');
  });

  it('throws ClosedError for writes while disconnected, and writes to the connection once it is back', async () => {
    const received = deferred<string>();
    const url = await scriptedServer((n) => async (connection) => {
      if (n === 1) return connection.close(4000, 'go away');
      received.resolve((await connection.read())?.text() ?? 'END');
      await connection.closed;
    });
    const client = reconnecting(url, (connection) => connection.closed.then(() => {}), { ...fast, initialDelay: 200, maxDelay: 200 });
    onCleanup(() => client.close());
    await until(() => client.state === 'waiting', 5000, 'the first connection to end');
    expect(client.connection).toBeUndefined();
    const error = (() => {
      try {
        client.sendText('lost?');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 4000, reason: 'go away' });
    await expect(client.flush()).rejects.toBeInstanceOf(ClosedError);
    const connection = await client.opened();
    expect(client.connection).toBe(connection);
    client.sendText('after reconnect');
    expect(await received.promise).toBe('after reconnect');
  });

  it('backs off on failed attempts and starts over once one succeeds', async () => {
    const url = await scriptedServer((n) => (n <= 3 ? 503 : n === 4 ? (connection) => connection.close(4000) : (connection) => connection.closed));
    const events: ReconnectEvent[] = [];
    const client = reconnecting(url, (connection) => connection.closed.then(() => {}), { ...fast, onReconnect: (event) => events.push(event) });
    onCleanup(() => client.close());
    await until(() => events.length === 4 && client.state === 'open', 5000, 'the fifth attempt');
    expect(events.map(({ attempt, delay }) => [attempt, delay])).toEqual([
      [1, 10],
      [2, 20],
      [3, 40],
      [1, 10],
    ]);
    expect(events[0]?.error).toBeInstanceOf(HandshakeError);
    expect(events[0]?.error).toMatchObject({ status: 503, body: 'refused attempt 1' });
    expect(events[3]?.closed).toEqual({ code: 4000, reason: '' });
  });

  it('gives up on a 401 by default: onError gets the HandshakeError, opened() rejects', async () => {
    const url = await scriptedServer(() => 401);
    const errors: unknown[] = [];
    const client = reconnecting(url, () => {}, { ...fast, onError: (error) => errors.push(error) });
    await client.stopped;
    expect(client.state).toBe('stopped');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_FAILED', status: 401 });
    await expect(client.opened()).rejects.toBeInstanceOf(ClosedError);
  });

  it('follows shouldRetry when given', async () => {
    const url = await scriptedServer((n) => (n === 1 ? 401 : (connection) => connection.closed));
    const client = reconnecting(url, (connection) => connection.closed.then(() => {}), { ...fast, shouldRetry: () => true });
    onCleanup(() => client.close());
    await client.opened();
  });

  it("reports the handler's error, closes that connection with 1011, and reconnects", async () => {
    const serverSaw = deferred<unknown>();
    const url = await scriptedServer((n) => async (connection) => {
      if (n === 1) serverSaw.resolve(await connection.read().catch((error: unknown) => error));
      await connection.closed;
    });
    const errors: unknown[] = [];
    let runs = 0;
    const failure = new Error('handler bug');
    const client = reconnecting(
      url,
      async (connection) => {
        if (++runs === 1) throw failure;
        await connection.closed;
      },
      { ...fast, onError: (error) => errors.push(error) },
    );
    onCleanup(() => client.close());
    expect(await serverSaw.promise).toMatchObject({ closeCode: 1011 });
    await until(() => runs === 2, 5000, 'the second run');
    expect(errors).toEqual([failure]);
  });

  it('close(code) closes the open connection with it and stops; a close while waiting stops at once', async () => {
    const serverSaw = deferred<unknown>();
    const url = await scriptedServer(() => async (connection) => serverSaw.resolve(await connection.read().catch((error: unknown) => error)));
    const client = reconnecting(url, (connection) => connection.closed.then(() => {}), fast);
    await client.opened();
    await client.close(4001, 'shutting down');
    expect(await serverSaw.promise).toMatchObject({ closeCode: 4001, reason: 'shutting down' });
    expect(client.state).toBe('stopped');

    const refused = await scriptedServer(() => 503);
    const waiting = reconnecting(refused, () => {}, { initialDelay: 60_000, maxDelay: 60_000 });
    await until(() => waiting.state === 'waiting', 5000, 'the first failure');
    const started = Date.now();
    await waiting.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops when the signal aborts: the open connection closes with 1001', async () => {
    const serverSaw = deferred<unknown>();
    const url = await scriptedServer(() => async (connection) => {
      serverSaw.resolve(await connection.read());
      serverSaw.resolve(await connection.closed);
    });
    const controller = new AbortController();
    const client = reconnecting(url, (connection) => connection.closed.then(() => {}), { ...fast, signal: controller.signal });
    await client.opened();
    controller.abort();
    await client.stopped;
    expect(await serverSaw.promise).toBeNull();
    expect(client.state).toBe('stopped');
    const never = reconnecting(url, () => {}, { signal: AbortSignal.abort() });
    await never.stopped;
    expect(never.state).toBe('stopped');
  });

  it('rejects a missing handler and bad options synchronously', () => {
    expect(() => reconnecting('ws://127.0.0.1:1/', undefined as never)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    expect(() => reconnecting('ws://127.0.0.1:1/', () => {}, { jitter: 3 })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
  });
});
