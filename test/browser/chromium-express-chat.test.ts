// The README's recipe (examples/express-chat: Express, auth before the 101, rooms as topics with
// history, a page on the served browser client file) in headless Chromium: two pages in one room,
// the server drops one page's connection while the other keeps talking, and the dropped page shows
// what it missed once each, in order, after it resumes (issue 23). Needs `npm run build` first: the
// page loads dist/browser.min.js through browserClientFile.
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Page } from 'playwright-core';
import { browserClientFile, connect, HandshakeError } from 'upsocket';
import { expect, it } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { launchChromium } from '../helpers/chromium.js';
import { chromium, describeNeeding } from '../helpers/external-programs.js';

describeNeeding('the Express chat recipe in headless Chromium', { needs: [chromium] }, () => {
  it('shows a dropped page what it missed, once each, after it resumes', async () => {
    expect(existsSync(browserClientFile), `${browserClientFile} is missing: run npm run build first`).toBe(true);
    const port = process.env.PORT;
    process.env.PORT = '0'; // the recipe listens on PORT
    const { server, upsocket, topics } = await import('../../examples/express-chat/server.js');
    if (port === undefined) delete process.env.PORT;
    else process.env.PORT = port;
    onCleanup(async () => {
      await upsocket.close({ timeout: 1000 });
      await topics.close();
      server.close();
    });
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Each user's upgrade: its URL (a resume shows in it) and its socket, which the test destroys.
    // While `away` names a user, that user's attempts are dropped at once: her page stays away
    // for as long as the test needs, however fast it retries.
    const upgrades: { user: string; url: string; socket: Socket }[] = [];
    let away: string | undefined;
    server.prependListener('upgrade', (req: IncomingMessage, socket: Socket) => {
      const user = /user=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
      if (user === away) socket.destroy();
      else upgrades.push({ user, url: req.url ?? '', socket });
    });

    // Auth runs before the 101: no cookie, no WebSocket.
    const refused = await connect(`${origin.replace('http', 'ws')}/chat/lobby`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeError);
    expect((refused as HandshakeError).status).toBe(401);

    // Two browser profiles, as two people: each has its own cookie.
    const join = async (name: string): Promise<Page> => {
      const page = await (await launchChromium()).newPage();
      await page.goto(`${origin}/login?name=${name}`); // sets the cookie, redirects to the page
      await page.waitForSelector('#state:text("open")', { timeout: 10_000 });
      return page;
    };
    const shown = (page: Page) => page.$$eval('#messages li', (items) => items.map((item) => `${item.className}|${item.textContent}`));
    const say = async (page: Page, text: string) => {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
    };
    const alice = await join('alice');
    const bob = await join('bob');

    await say(bob, 'message 1');
    await say(bob, 'message 2');
    await alice.waitForSelector('#messages li:nth-child(2)');

    // The server drops alice's connection; bob keeps talking while her page is away.
    const aliceUpgrades = () => upgrades.filter(({ user }) => user === 'alice');
    expect(aliceUpgrades()).toHaveLength(1);
    away = 'alice';
    aliceUpgrades()[0]!.socket.destroy();
    await alice.waitForSelector('#state:text("reconnecting")', { timeout: 5000 });
    for (let n = 3; n <= 8; n++) await say(bob, `message ${n}`);
    await bob.waitForSelector('#messages li:nth-child(8)');
    expect(await shown(alice)).toHaveLength(2);
    away = undefined;

    await alice.waitForSelector('#state:text("open")', { timeout: 10_000 });
    await alice.waitForSelector('#messages li:nth-child(8)', { timeout: 10_000 });
    await say(alice, 'message 9'); // and she is live again
    await bob.waitForSelector('#messages li:nth-child(9)');
    await alice.waitForSelector('#messages li:nth-child(9)');
    const expected = Array.from({ length: 9 }, (_, index) => `|${index < 8 ? 'bob' : 'alice'}: message ${index + 1}`);
    expect(await shown(alice)).toEqual(expected);
    expect(await shown(bob)).toEqual(expected);
    // She came back with her last id, and the route's subscribe() replayed from it.
    expect(decodeURIComponent(aliceUpgrades()[1]!.url)).toMatch(/upsocket-resume=\{"room:lobby":"\d+-\d+"\}/);
  }, 60_000);
});
