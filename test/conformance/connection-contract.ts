import { describe, expect, it } from 'vitest';
import { ClosedError, type CloseInfo, type Connection, type OpenOptions, type UpsocketError } from '../../src/index.js';
import { delay, until } from '../helpers/server.js';

/** Limits for one end of a connected pair. */
export type EndLimits = Pick<OpenOptions, 'maxMessageSize' | 'sendHighWaterMark' | 'receiveHighWaterMark'>;

/** Makes two connected `Connection`s: over the in-memory transport, or over a real socket. */
export interface PairFactory {
  label: string;
  open(limits?: { server?: EndLimits; client?: EndLimits }): Promise<[server: Connection, client: Connection]>;
}

const chunk = 'x'.repeat(16 * 1024);

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * The `Connection` behaviour that needs no network to show: run unchanged against the in-memory
 * pair and a real socket, so the pair a handler is unit-tested with behaves like production.
 */
export function connectionContract(factory: PairFactory): void {
  describe(`Connection contract: ${factory.label}`, () => {
    it('delivers text, binary and JSON both ways, in order and with their types', async () => {
      const [server, client] = await factory.open();
      client.sendText('hello');
      client.sendBinary(new Uint8Array([0, 1, 255]));
      client.sendJSON({ n: 1 });
      const received = [await server.read(), await server.read(), await server.read()];
      expect(received.map((message) => message?.type)).toEqual(['text', 'binary', 'text']);
      expect(received[0]?.text()).toBe('hello');
      expect([...(received[1]?.data ?? [])]).toEqual([0, 1, 255]);
      expect(received[2]?.json()).toEqual({ n: 1 });
      server.sendText('back');
      expect((await client.read())?.text()).toBe('back');
    });

    it('sends only the bytes of a view', async () => {
      const [server, client] = await factory.open();
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
      server.sendBinary(backing.subarray(2, 5));
      server.sendBinary(new DataView(backing.buffer, 3, 2));
      expect([...((await client.read())?.data ?? [])]).toEqual([1, 2, 3]);
      expect([...((await client.read())?.data ?? [])]).toEqual([2, 3]);
    });

    it('throws typed errors for bad payloads, bad close codes and writes after close', async () => {
      const [server, client] = await factory.open();
      const errors = [
        caught(() => server.sendText(42 as unknown as string)),
        caught(() => server.sendBinary('text' as unknown as Uint8Array)),
        caught(() => server.sendJSON(undefined)),
        caught(() => server.close(1005)),
        caught(() => server.close(1000, 'é'.repeat(62))),
      ];
      await server.close(4001, 'done');
      errors.push(caught(() => server.sendText('late')), await server.flush().catch((error: unknown) => error));
      expect(errors.map((error) => (error as UpsocketError).code)).toEqual([
        'UPSOCKET_INVALID_PAYLOAD',
        'UPSOCKET_INVALID_PAYLOAD',
        'UPSOCKET_INVALID_PAYLOAD',
        'UPSOCKET_INVALID_CLOSE_CODE',
        'UPSOCKET_INVALID_CLOSE_CODE',
        'UPSOCKET_CLOSED',
        'UPSOCKET_CLOSED',
      ]);
      expect((errors[5] as ClosedError).message).toBe('Cannot send: Connection closed with code (4001): done');
      expect(await client.closed).toEqual({ code: 4001, reason: 'done' });
    });

    it('resolves closed, aborts signal and ends read() with null when the peer closes with 1001', async () => {
      const [server, client] = await factory.open();
      await client.close(1001, 'tab closed');
      const info: CloseInfo = await server.closed;
      expect(info).toEqual({ code: 1001, reason: 'tab closed' });
      expect(server.signal.aborted).toBe(true);
      expect(server.signal.reason).toBeInstanceOf(ClosedError);
      expect(await server.read()).toBeNull();
      expect(server.state).toBe('closed');
      expect(client.state).toBe('closed');
    });

    it('returns null from a waiting read() once we close; close() resolves when closed', async () => {
      const [server, client] = await factory.open();
      const pending = server.read();
      const closing = server.close(4002);
      expect(server.state).toBe('closing');
      expect(await pending).toBeNull();
      await closing;
      expect(server.state).toBe('closed');
      expect((await client.closed).code).toBe(4002);
    });

    it('reads what arrived before a clean close, then null; iteration ends there too', async () => {
      const [server, client] = await factory.open();
      client.sendText('a');
      client.sendText('b');
      void client.close(1000);
      const texts: string[] = [];
      for await (const message of server) texts.push(message.text());
      expect(texts).toEqual(['a', 'b']);
    });

    it('rejects read() with ClosedError carrying an application close code and reason', async () => {
      const [server, client] = await factory.open();
      server.sendText('before');
      void server.close(4000, 'bye');
      expect((await client.read())?.text()).toBe('before');
      const error = await client.read().catch((caughtError: unknown) => caughtError);
      expect(error).toBeInstanceOf(ClosedError);
      expect(error).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 4000, reason: 'bye' });
    });

    it('ping() resolves on the pong, both ways', async () => {
      const [server, client] = await factory.open();
      await server.ping('are you there');
      await client.ping();
    });

    it('ping() with more than 125 bytes throws UPSOCKET_INVALID_PAYLOAD at once; 125 bytes is a ping', async () => {
      const [server, client] = await factory.open();
      const tooLong = [
        caught(() => void server.ping('x'.repeat(126))),
        caught(() => void server.ping('é'.repeat(63))),
        caught(() => void client.ping(new Uint8Array(200))),
        caught(() => void client.ping(42 as unknown as string)),
      ];
      for (const error of tooLong) expect(error).toMatchObject({ name: 'UpsocketError', code: 'UPSOCKET_INVALID_PAYLOAD' });
      expect((tooLong[0] as Error).message).toBe('ping(data): control frames carry at most 125 bytes, got 126 bytes');
      // Nothing was sent: the connection is open and a valid ping still gets its pong.
      expect(server.state).toBe('open');
      await server.ping(Buffer.alloc(125, 1));
      await client.ping('y'.repeat(125));
    });

    it('reports a dropped connection as ClosedError 1006 on both ends', async () => {
      const [server, client] = await factory.open();
      const reading = client.read().catch((error: unknown) => error);
      server.terminate();
      expect(await reading).toMatchObject({ closeCode: 1006 });
      expect((await server.closed).code).toBe(1006);
      expect(() => server.sendText('late')).toThrow(ClosedError);
    });

    it('closes both ends with 1009 when a message exceeds maxMessageSize', async () => {
      const [server, client] = await factory.open({ server: { maxMessageSize: 1024 } });
      client.sendText('x'.repeat(1024));
      client.sendText('x'.repeat(1025));
      expect((await server.read())?.text().length).toBe(1024);
      expect(await server.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
      expect(await client.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
    });

    it('stops a sendText + await flush() loop while the peer does not read, and loses nothing', async () => {
      const sendHighWaterMark = 64 * 1024;
      const [server, client] = await factory.open({ server: { sendHighWaterMark }, client: { receiveHighWaterMark: 64 * 1024 } });
      let sent = 0;
      let maxBuffered = 0;
      const loop = (async () => {
        for (;;) {
          server.sendText(chunk);
          sent++;
          maxBuffered = Math.max(maxBuffered, server.bufferedAmount);
          await server.flush();
        }
      })().catch(() => {});
      await until(() => sent > 4, 5000, 'the loop to start');
      await delay(300);
      const stalledAt = sent;
      await delay(300);
      expect(sent).toBe(stalledAt);
      expect(maxBuffered).toBeLessThanOrEqual(sendHighWaterMark + chunk.length + 1024);
      for (let i = 0; i < stalledAt + 5; i++) expect((await client.read())?.text().length).toBe(chunk.length);
      expect(sent).toBeGreaterThan(stalledAt);
      // The client closes: a closing end reads on until the close frame, so the handshake finishes.
      await client.close();
      await loop;
    });

    it('stops reading while the handler does not, so the sender buffers, then delivers everything in order', async () => {
      const [server, client] = await factory.open({ server: { receiveHighWaterMark: 64 * 1024 } });
      const count = 1024;
      const message = Buffer.alloc(16 * 1024);
      for (let i = 0; i < count; i++) {
        message.writeUInt32BE(i, 0);
        client.sendBinary(message);
      }
      await delay(300);
      // 16 MiB offered; the reader took a bounded share, the rest waits on the sender's side.
      expect(client.bufferedAmount).toBeGreaterThan(8 * 1024 * 1024);
      const received: number[] = [];
      for (let i = 0; i < count; i++) received.push((await server.read())?.data.readUInt32BE(0) ?? -1);
      expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
      await until(() => client.bufferedAmount === 0, 5000, 'the sender to drain');
    });
  });
}
