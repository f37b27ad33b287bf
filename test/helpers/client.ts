import { connect, HandshakeError, type ConnectOptions, type Connection } from '../../src/index.js';
import { onCleanup } from './cleanup.js';

/** `connect()`, with the connection dropped after the test if it is still up. */
export async function connectClient(url: string, options?: ConnectOptions): Promise<Connection> {
  const connection = await connect(url, options);
  onCleanup(() => connection.terminate());
  return connection;
}

/** Resolves with the `HandshakeError` the attempt rejects with; fails if it opens or rejects otherwise. */
export async function handshakeFailure(attempt: Promise<Connection>): Promise<HandshakeError> {
  const outcome = await attempt.then(
    (connection) => {
      connection.terminate();
      return new Error('the WebSocket opened');
    },
    (error: unknown) => error,
  );
  if (outcome instanceof HandshakeError) return outcome;
  throw outcome;
}
