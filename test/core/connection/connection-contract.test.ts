import type { Connection } from '../../../src/index.js';
import { pair } from '../../../src/testing/index.js';
import { connectionContract, type PairFactory } from '../../conformance/connection-contract.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';
import { nodeHttp2Fixture } from '../../conformance/node-http2.fixture.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { connectClient } from '../../helpers/client.js';
import { deferred } from '../../helpers/deferred.js';

const inMemory: PairFactory = {
  label: 'in-memory pair (upsocket/testing)',
  async open(limits = {}) {
    const connections = pair(limits);
    onCleanup(() => connections.forEach((connection) => connection.terminate()));
    return connections;
  },
};

const overTcp: PairFactory = {
  label: 'real socket (node-http server, connect() client)',
  async open(limits = {}) {
    const server = deferred<Connection>();
    const { wsUrl } = await nodeHttpFixture.start({
      // The handler keeps the connection as raw as pair() gives it: it only waits for the close.
      handler: async (connection) => {
        server.resolve(connection);
        await connection.closed;
      },
      options: { ...limits.server, heartbeat: false },
    });
    const client = await connectClient(`${wsUrl}/rooms/lobby`, limits.client);
    return [await server.promise, client];
  },
};

connectionContract(inMemory);
connectionContract(overTcp);

// The same contract over an HTTP/2 stream (RFC 8441, h2c): ws frames over the stream both ways.
const overHttp2: PairFactory = {
  label: 'HTTP/2 stream (node:http2 server, connect({ http2: true }) client)',
  async open(limits = {}) {
    const server = deferred<Connection>();
    const started = await nodeHttp2Fixture({ secure: false }).start({
      handler: async (connection) => {
        server.resolve(connection);
        await connection.closed;
      },
      options: { ...limits.server, heartbeat: false },
    });
    const client = await connectClient(`${started.wsUrl}/rooms/lobby`, { ...limits.client, ...started.connectOptions?.() });
    return [await server.promise, client];
  },
};

connectionContract(overHttp2);
