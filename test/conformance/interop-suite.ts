import { describe, expect, it } from 'vitest';
import { ClosedError, type CloseInfo } from '../../src/index.js';
import { deferred } from '../helpers/deferred.js';
import { echo } from '../helpers/handlers.js';
import { connectWith, independentClients } from '../helpers/independent-clients.js';
import type { StartedServer } from '../helpers/server.js';
import type { AppSpec } from './contract.js';

// Larger than one read from the socket and than ws's 64 KiB frame-length boundary.
const large = 'L'.repeat(200 * 1024);

/**
 * Each independent client implementation (test/helpers/independent-clients.ts) against the
 * adapter's echo: its frames, close codes and reasons must mean the same to both sides.
 */
export function interopSuite(start: (spec: AppSpec) => Promise<StartedServer>): void {
  describe('independent clients', () => {
    for (const driver of independentClients) {
      describe(driver.name, () => {
        it('exchanges text, binary and a large message; the handler sees the close code it sends', async () => {
          const ended = deferred<unknown>();
          // How the handler's reading ended: null on a clean close, else what it threw.
          const { wsUrl } = await start({ handler: (connection) => echo(connection).then(() => ended.resolve(null), ended.resolve) });
          const client = await connectWith(driver, `${wsUrl}/rooms/lobby`);
          client.sendText('héllo');
          client.sendBinary(Buffer.from([0, 1, 255]));
          client.sendText(large);
          await expect.poll(() => client.received.length).toBe(3);
          expect(client.received.slice(0, 2)).toEqual(['héllo', [0, 1, 255]]);
          expect(client.received[2]).toBe(large);

          client.close(4000, 'client done');
          const end = await ended.promise;
          expect(end).toBeInstanceOf(ClosedError);
          expect(end).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 4000, reason: 'client done' });
          // The server echoes the client's code in its close frame, as RFC 6455 §5.5.1 says.
          expect((await client.closed).code).toBe(4000);
        });

        it('sees the code and reason the handler closes with', async () => {
          const serverSaw = deferred<CloseInfo>();
          const { wsUrl } = await start({
            handler: async (connection) => {
              connection.sendText((await connection.read())?.text() ?? 'nothing');
              await connection.close(4001, 'bye from the server');
              serverSaw.resolve(await connection.closed);
            },
          });
          const client = await connectWith(driver, `${wsUrl}/rooms/lobby`);
          client.sendText('ready');
          const sent = { code: 4001, reason: 'bye from the server' };
          expect(await client.closed).toEqual(sent);
          expect(client.received).toEqual(['ready']);
          // The handler's `closed` reports the client's answer: the closing handshake completed.
          expect(await serverSaw.promise).toEqual(driver.closeReply(sent));
        });
      });
    }
  });
}
