import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as TlsServer } from 'node:tls';
import { UpsocketError, type Connection } from '../core/index.js';
import { isAttached } from '../core/internal.js';
import { connectWith, type ConnectOptions } from '../client/internal.js';
import { duplexPair } from './duplex-pair.js';

/** Options of `inject()`: those of `connect()`. Put cookies and tokens in `headers`. */
export type InjectOptions = ConnectOptions;

/**
 * Opens a WebSocket to `path` on `server` without a port: the upgrade request goes through the
 * server's own request handling (your middleware, auth and routes, via `attach()`) over an
 * in-memory socket, and resolves with the client `Connection`, as `connect()` would. A refused
 * handshake rejects with `HandshakeError` carrying the status, headers and body the app sent.
 * The server must have been `attach()`ed; it need not listen. The `Host` header is `localhost`
 * unless `headers.host` says otherwise.
 *
 * @example
 * import { inject } from 'upsocket/testing'
 *
 * it('refuses anonymous users', async () => {
 *   const { server } = createServer() // http.createServer(app) + attach(server), not listening
 *   await expect(inject(server, '/chat')).rejects.toMatchObject({ status: 401 })
 *   const connection = await inject(server, '/chat', { headers: { cookie: 'session=alice' } })
 *   connection.sendJSON({ type: 'say', text: 'hi' })
 *   expect((await connection.read())?.json()).toMatchObject({ name: 'alice' })
 *   await connection.close()
 * })
 */
export function inject(server: HttpServer | HttpsServer, path: string, options?: InjectOptions): Promise<Connection> {
  if (!isAttached(server)) {
    return Promise.reject(
      new UpsocketError('UPSOCKET_NOT_ATTACHED', 'inject(server, path): upsocket is not attached to this server: call attach(server) first'),
    );
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return Promise.reject(new UpsocketError('UPSOCKET_INVALID_OPTION', `inject(server, path): path must start with '/', got ${String(path)}`));
  }
  const createConnection = () => {
    const [clientSide, serverSide] = duplexPair();
    // What a listening server does with each accepted connection. An HTTPS server gets it as
    // already decrypted: there is no network to encrypt for.
    server.emit(server instanceof TlsServer ? 'secureConnection' : 'connection', serverSide);
    return clientSide;
  };
  return connectWith(`ws://localhost${path}`, undefined, options, createConnection, 'inject()') as Promise<Connection>;
}
