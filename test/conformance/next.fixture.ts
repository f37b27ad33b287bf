import http from 'node:http';
import { attach, createNextServer, type NextAppLike, type NextServer } from '../../src/adapters/next/index.js';
import { nextEnv, requireNext } from '../helpers/next-app.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture, AppSpec } from './contract.js';

/** Where the fixture's route (app/rooms/[room]/route.ts) finds the current test's spec. */
const specKey = Symbol.for('upsocket.test.next-conformance-spec');

type NextApp = NextAppLike & { close(): Promise<void> };
type Next = (options: { dir: string; dev: boolean; httpServer?: http.Server }) => NextApp;

export interface NextFixture extends AdapterFixture {
  /** Closes the Next app, once every test ran. */
  close(): Promise<void>;
}

/**
 * The standard app (contract.ts) is `app/rooms/[room]/route.ts` and `middleware.ts` of
 * test/fixtures/next-app, served in this process from a production build in `appDir()`. One Next
 * app serves every test (starting Next per test would take seconds): each test's server, with
 * the test's attach options, hands its requests, upgrades included, to the request listener that
 * createNextServer() installed.
 */
export function nextFixture(label: string, appDir: () => string): NextFixture {
  let shared: Promise<NextServer<NextApp>> | undefined;
  return {
    label,
    capabilities: { frameworkNotFoundPage: true, routePattern: '/rooms/[room]' },
    async start(spec) {
      if (shared === undefined) {
        Object.assign(process.env, nextEnv);
        shared = createNextServer(requireNext<Next>(appDir()), { dir: appDir(), dev: false });
      }
      const next = await shared;
      (globalThis as { [specKey]?: AppSpec })[specKey] = spec;
      const server = http.createServer((request, response) => next.server.emit('request', request, response));
      return listen(server, attach(server, spec.attachOptions));
    },
    async close() {
      delete (globalThis as { [specKey]?: AppSpec })[specKey];
      if (shared !== undefined) await (await shared).app.close();
    },
  };
}
