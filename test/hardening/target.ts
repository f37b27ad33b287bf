import { expect } from 'vitest';
import { ClosedError, type CloseInfo, type Connection, type Message, type OpenOptions } from '../../src/index.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import type { StartedServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

/** How one connection ended, as its handler saw it. */
export interface Outcome {
  messages: Message[];
  /** null when `read()` ended with null (clean close), else what it rejected with. */
  ended: unknown;
  closed: CloseInfo;
  connection: Connection;
}

/** The server under attack, and what its handlers saw. */
export interface Target extends StartedServer {
  port: number;
  /** The outcome of the (first) connection opened on `/rooms/<room>`. */
  outcome(room: string): Promise<Outcome>;
  /** The handler's connection on `/rooms/<room>`, once it runs. */
  connection(room: string): Promise<Connection>;
  /** A raw client upgraded on `/rooms/<room>`. */
  attacker(room: string): Promise<RawClient>;
  /** Opens a fresh `ws` client, gets an echo and closes cleanly: the server still serves others. */
  assertStillServing(): Promise<void>;
}

function settable<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A node-http server whose handler reads every message until the connection ends and records
 * what it saw. Rooms named `echo*` also echo each message back (text as text, binary as binary).
 */
export async function startTarget(options?: OpenOptions): Promise<Target> {
  const outcomes = new Map<string, ReturnType<typeof settable<Outcome>>>();
  const connections = new Map<string, ReturnType<typeof settable<Connection>>>();
  const slot = <T>(map: Map<string, ReturnType<typeof settable<T>>>, room: string) => {
    let entry = map.get(room);
    if (entry === undefined) map.set(room, (entry = settable<T>()));
    return entry;
  };
  const started = await nodeHttpFixture.start({
    options,
    handler: async (connection, { room }) => {
      slot(connections, room).resolve(connection);
      const messages: Message[] = [];
      let ended: unknown = null;
      try {
        for (let message = await connection.read(); message !== null; message = await connection.read()) {
          messages.push(message);
          if (!room.startsWith('echo')) continue;
          if (message.type === 'text') connection.sendText(message.text());
          else connection.sendBinary(message.data);
          await connection.flush();
        }
      } catch (error) {
        ended = error;
      }
      slot(outcomes, room).resolve({ messages, ended, closed: await connection.closed, connection });
    },
  });
  const port = Number(new URL(started.httpUrl).port);
  let bystanders = 0;
  return {
    ...started,
    port,
    outcome: (room) => slot(outcomes, room).promise,
    connection: (room) => slot(connections, room).promise,
    async attacker(room) {
      const client = await RawClient.open(port, `/rooms/${room}`);
      await client.upgraded();
      return client;
    },
    async assertStillServing() {
      const room = `echo-bystander-${++bystanders}`;
      const client = await TestClient.connect(`${started.wsUrl}/rooms/${room}`);
      client.ws.send('still serving?');
      expect(await client.nextText()).toBe('still serving?');
      client.ws.close(1000);
      expect((await client.closed).code).toBe(1000);
      const outcome = await slot(outcomes, room).promise;
      expect(outcome.ended).toBeNull();
    },
  };
}

/** Asserts that `read()` rejected with a `ClosedError` carrying `closeCode`. */
export function expectClosedError(ended: unknown, closeCode: number): void {
  expect(ended).toBeInstanceOf(ClosedError);
  expect((ended as ClosedError).code).toBe('UPSOCKET_CLOSED');
  expect((ended as ClosedError).closeCode).toBe(closeCode);
}
