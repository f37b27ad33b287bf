import type { ClientHttp2Session } from 'node:http2';
import { ask, session } from '../helpers/http2-client.js';
import type { StartedServer } from '../helpers/server.js';
import { expectRefusal, TestClient, type HttpAnswer, type TestClientOptions } from '../helpers/ws-client.js';
import type { AdapterFixture, AppSpec } from './contract.js';

/**
 * A fixture's server with the suite's clients bound to it: ws's client over an HTTP/1.1 upgrade,
 * or (the fixture's `http2` capability) ws's framing over an RFC 8441 stream, so one test body runs
 * both ways. Paths are the request's (`/rooms/lobby?x=1`).
 */
export interface ServerWithClients extends StartedServer {
  connect(path: string, protocols?: string | string[], options?: TestClientOptions): Promise<TestClient>;
  refuse(path: string, options?: TestClientOptions & { protocols?: string[] }): Promise<HttpAnswer>;
  /** A plain GET of `path`: fetch() over HTTP/1.1, a request on an HTTP/2 session otherwise. */
  get(path: string): Promise<Omit<HttpAnswer, 'headers'>>;
  /** An HTTP/2 session to the server, for raw requests (an HTTP/1.1 fixture has none). */
  session(): Promise<ClientHttp2Session>;
}

export async function startWithClients(fixture: AdapterFixture, spec: AppSpec): Promise<ServerWithClients> {
  const started = await fixture.start(spec);
  const { wsUrl, httpUrl } = started;
  if (fixture.capabilities.http2 !== true) {
    return {
      ...started,
      connect: (path, protocols, options) => TestClient.connect(`${wsUrl}${path}`, protocols, options),
      refuse: (path, options) => expectRefusal(`${wsUrl}${path}`, options),
      get: async (path) => {
        const response = await fetch(`${httpUrl}${path}`);
        return { status: response.status, body: await response.text() };
      },
      session: () => Promise.reject(new Error(`${fixture.label} serves no HTTP/2`)),
    };
  }
  // The fixture's session when it needs one (TLS: it trusts the test's certificate), made once and
  // shared by the test's streams; h2c clients open their own (`http2: true`).
  let shared: true | ClientHttp2Session | undefined;
  const http2 = (): true | ClientHttp2Session => (shared ??= started.connectOptions?.().http2 || true);
  const anySession = async (): Promise<ClientHttp2Session> => {
    const via = http2();
    return via === true ? session(httpUrl) : via;
  };
  return {
    ...started,
    connect: (path, protocols, options) => TestClient.connect(`${wsUrl}${path}`, protocols, { ...options, http2: http2() }),
    refuse: (path, options) => expectRefusal(`${wsUrl}${path}`, { ...options, http2: http2() }),
    get: async (path) => {
      const answer = await ask(await anySession(), { ':method': 'GET', ':path': path });
      return { status: answer.status, body: answer.body };
    },
    session: anySession,
  };
}
