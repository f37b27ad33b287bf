import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { nextFixture } from '../../conformance/next.fixture.js';
import { clientConformanceSuite } from '../../conformance/client-suite.js';
import { conformanceSuite } from '../../conformance/suite.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { buildNextApp, prepareFixtureApps, startNextChild, type NextChild, type NextMode, type NextVersion } from '../../helpers/next-app.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

// What test/fixtures/next-app/middleware.ts accepts as a session, one of each kind.
const bearer = { headers: { authorization: 'Bearer fixture' } };
const cookie = { headers: { cookie: 'session=fixture' } };

/** Starts both servers, and stops whichever started if the other failed. */
async function startServers(dirs: Record<NextMode, string>, servers: Partial<Record<NextMode, NextChild>>): Promise<void> {
  // `next dev` compiles on demand: start it while the production build runs.
  const dev = startNextChild(dirs.dev, 'dev');
  const production = buildNextApp(dirs.production).then(() => startNextChild(dirs.production, 'production'));
  const [devResult, productionResult] = await Promise.allSettled([dev, production]);
  if (devResult.status === 'fulfilled') servers.dev = devResult.value;
  if (productionResult.status === 'fulfilled') servers.production = productionResult.value;
  for (const result of [devResult, productionResult]) if (result.status === 'rejected') throw result.reason;
}

/**
 * test/fixtures/next-app through its custom server (test/fixtures/next-server.ts) in `next dev`
 * and after `next build`, each in a process of its own; then the conformance suite against the
 * production build, in this process.
 */
export function nextSuite(label: string, version: NextVersion): void {
  describe(label, () => {
    const servers: Partial<Record<NextMode, NextChild>> = {};
    let productionDir = '';
    const conformance = nextFixture(`${label}, production build`, () => productionDir);

    beforeAll(async () => {
      const dirs = await prepareFixtureApps(version);
      productionDir = dirs.production;
      await startServers(dirs, servers);
    }, 300_000);

    afterAll(async () => {
      await conformance.close();
      await Promise.all(Object.values(servers).map((server) => server.stop()));
    });

    for (const mode of ['production', 'dev'] as const) {
      // Timeouts cover `next dev` compiling each route on its first request.
      describe(mode, { timeout: 60_000 }, () => {
        const server = (): NextChild => {
          const started = servers[mode];
          if (started === undefined) throw new Error(`the ${mode} server did not start`);
          return started;
        };

        if (mode === 'dev') {
          // First in this block: the dev server must not have seen a request yet.
          it(`hands Next its HMR WebSocket (${version.hmrPath}): 503 before Next's first request, then 101`, async () => {
            const { httpUrl, wsUrl } = server();
            const early = await expectRefusal(`${wsUrl}${version.hmrPath}`);
            expect(early.status).toBe(503);
            expect((await fetch(`${httpUrl}/hello`)).status).toBe(200);
            const hmr = await TestClient.connect(`${wsUrl}${version.hmrPath}`);
            // The first message comes from Next's hot reloader, not from any route.
            expect(JSON.parse(await hmr.nextText(30_000))).toEqual(expect.any(Object));
          });
        }

        it('runs an App Router route over WebSocket: echoes, and sees its dynamic param', async () => {
          const client = await TestClient.connect(`${server().wsUrl}/chat/kitchen%20sink`, undefined, bearer);
          expect(JSON.parse(await client.nextText(30_000))).toEqual({ room: 'kitchen sink' });
          client.ws.send('hello');
          expect(await client.nextText()).toBe('kitchen sink: hello');
        });

        it("answers a plain GET of a websocket() route with 426 Upgrade Required", async () => {
          const response = await fetch(`${server().httpUrl}/chat/lobby`);
          expect(response.status).toBe(426);
          expect(response.headers.get('upgrade')).toBe('websocket');
        });

        it('runs a Pages API route over WebSocket, for a second connection while the first is open', async () => {
          const first = await TestClient.connect(`${server().wsUrl}/api/echo`, undefined, cookie);
          const second = await TestClient.connect(`${server().wsUrl}/api/echo`, undefined, bearer);
          second.ws.send('second');
          first.ws.send('first');
          expect(await second.nextText()).toBe('second');
          expect(await first.nextText()).toBe('first');
        });

        it('sends the headers middleware.ts and a Pages API route set before open() with the 101; an App Router route gets middleware.ts\'s', async () => {
          const asking = { ...bearer.headers, 'x-want-headers': '1' };
          const pages = await upgradeHeaders(`${server().wsUrl}/api/headers`, asking);
          expect(pages['x-request-id']).toEqual(['from-middleware']);
          expect(pages['x-route-header']).toEqual(['pages-api']);
          expect(pages['set-cookie']).toEqual(['mw=1; Path=/', 'route=1; Path=/']);
          expect(pages['connection']).toEqual(['Upgrade']);
          const appRouter = await upgradeHeaders(`${server().wsUrl}/chat/lobby`, asking);
          expect(appRouter['x-request-id']).toEqual(['from-middleware']);
          expect(appRouter['set-cookie']).toEqual(['mw=1; Path=/']);
        });

        it('lets middleware.ts refuse upgrades without a session: 401 and its body, before any 101', async () => {
          for (const path of ['/chat/lobby', '/api/echo']) {
            const answer = await expectRefusal(`${server().wsUrl}${path}`);
            expect(answer.status).toBe(401);
            expect(answer.body).toBe('Log in first\n');
          }
        });

        it("answers a handshake open() refuses (a cross-site page) with 403, whatever the route returns after", async () => {
          const answer = await expectRefusal(`${server().wsUrl}/chat/lobby`, { ...bearer, origin: 'https://evil.example' });
          expect(answer.status).toBe(403);
          expect(answer.body).toBe('Origin https://evil.example is not allowed\n');
        });

        it('still renders an ordinary page with 200', async () => {
          const response = await fetch(`${server().httpUrl}/hello`);
          expect(response.status).toBe(200);
          expect(await response.text()).toContain('Hello from an ordinary Next.js page');
        });

        // Last in this block. Next writes each route's returned Response to a response that no
        // longer has the socket: that must not surface as an error.
        it('logged no errors while serving all of the above', () => {
          expect(withoutDevChunkRace(server().output())).not.toMatch(/error|⨯/i);
        });
      });
    }

    conformanceSuite(conformance);
    clientConformanceSuite(conformance);
  });
}

/** The 101's header lines by lower-case name, every value of each, from a ws client's 'upgrade' event. */
async function upgradeHeaders(url: string, headers: Record<string, string>): Promise<Record<string, string[]>> {
  const client = new WebSocket(url, { headers });
  onCleanup(() => client.terminate());
  const [response] = (await once(client, 'upgrade')) as [IncomingMessage];
  const lines: Record<string, string[]> = {};
  for (let i = 0; i < response.rawHeaders.length; i += 2) (lines[response.rawHeaders[i]!.toLowerCase()] ??= []).push(response.rawHeaders[i + 1]!);
  return lines;
}

/**
 * Next's dev server reads its own build output while webpack is still rewriting it for another
 * route, and logs "Failed to generate static paths" for the dynamic route it was checking. Two
 * forms seen: a vendor chunk read half-written (Node 22: "Transform failed … vendor-chunks/next.js:
 * Unterminated string literal") and a JSON file read half-written (Node 24, Next 15: "SyntaxError:
 * Unexpected end of JSON input at JSON.parse"); Next's own dev tests log the same JSON race. That is
 * Next's compile race, not an upsocket error: only those exact blocks are dropped before looking
 * for errors.
 */
export function withoutDevChunkRace(output: string): string {
  return output
    .replace(
      / ⨯ Failed to generate static paths for \S+:\n\[Error \[TransformError\]: Transform failed with \d+ errors?:\n[^\n]*\/\.next\/server\/vendor-chunks\/[^\n]*\] \{\n  type: 'Error'\n\}\n?/g,
      '',
    )
    .replace(/ ⨯ Failed to generate static paths for \S+:\nSyntaxError: Unexpected end of JSON input\n    at JSON\.parse \(<anonymous>\) \{\n  type: 'SyntaxError'\n\}\n?/g, '');
}
