// A real browser against the chat demo (examples/node-http): two headless Chromium pages chat,
// the server restarts on the same port and both pages reconnect by themselves, and a page from
// another origin is refused by the origin check.
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { createChatServer } from '../../examples/node-http/server.js';
import type { ChatServer } from '../../examples/shared/serve.js';
import { onCleanup } from '../helpers/cleanup.js';
import { launchChromium as launch } from '../helpers/chromium.js';
import { chromium as chromiumProgram, describeNeeding } from '../helpers/external-programs.js';

/** Starts the chat server on `port` (0: any free one) and registers its shutdown. */
async function startChat(port: number): Promise<ChatServer & { port: number; stop(): Promise<void> }> {
  const chat = createChatServer();
  await new Promise<void>((resolve) => chat.server.listen(port, '127.0.0.1', resolve));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await chat.upsocket.close({ timeout: 1000 });
    chat.server.closeAllConnections();
    await new Promise((resolve) => chat.server.close(resolve));
  };
  onCleanup(stop);
  return { ...chat, port: (chat.server.address() as AddressInfo).port, stop };
}

async function say(page: Page, name: string, text: string): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#text', text);
  await page.click('#send');
}

function online(page: Page): Promise<unknown> {
  return page.waitForSelector('#status[data-state="online"]', { timeout: 10_000 });
}

function seen(page: Page, text: string): Promise<unknown> {
  return page.waitForSelector(`#messages li:has-text("${text}")`, { timeout: 10_000 });
}

describeNeeding('headless Chromium and the chat demo', { needs: [chromiumProgram] }, () => {
  it('chats between two pages, and both reconnect after the server restarts on the same port', async () => {
    const context = await launch();
    const first = await startChat(0);
    const url = `http://127.0.0.1:${first.port}/`;
    const [alice, bob] = [await context.newPage(), await context.newPage()];
    await Promise.all([alice.goto(url), bob.goto(url)]);
    await Promise.all([online(alice), online(bob)]);
    expect(first.upsocket.connections.size).toBe(2);

    await say(alice, 'alice', 'hello from alice');
    await Promise.all([seen(alice, 'hello from alice'), seen(bob, 'hello from alice')]);
    expect(await bob.textContent('#messages li:last-child .name')).toBe('alice');

    // Restart: a graceful shutdown (1012 to both pages), then a new server on the same port.
    await first.stop();
    await Promise.all([
      alice.waitForSelector('#status[data-state="offline"]', { timeout: 10_000 }),
      bob.waitForSelector('#status[data-state="offline"]', { timeout: 10_000 }),
    ]);
    const second = await startChat(first.port);
    await Promise.all([online(alice), online(bob)]);
    expect(second.upsocket.connections.size).toBe(2);

    await say(bob, 'bob', 'back after the restart');
    await Promise.all([seen(alice, 'back after the restart'), seen(bob, 'back after the restart')]);
  }, 60_000);

  it('refuses a WebSocket opened by a page of another origin (CSWSH), and accepts its own', async () => {
    const context = await launch();
    const chat = await startChat(0);
    const upgrades: string[] = [];
    chat.server.prependListener('request', (request, response) => {
      if (request.headers.upgrade !== undefined) response.on('finish', () => upgrades.push(`${request.headers.origin} ${response.statusCode}`));
    });
    const page = await context.newPage();
    // localhost and 127.0.0.1 are different origins for the browser: the page at one opens a
    // socket to the other, as a page on another site would, with the user's cookies.
    await page.goto(`http://localhost:${chat.port}/`);
    await online(page);
    const attempt = (target: string) =>
      page.evaluate(
        (socketUrl) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(socketUrl);
            socket.onopen = () => {
              socket.close();
              resolve('open');
            };
            socket.onclose = (event) => resolve(`closed ${event.code}`);
          }),
        target,
      );
    expect(await attempt(`ws://127.0.0.1:${chat.port}/chat`)).toBe('closed 1006');
    expect(await attempt(`ws://localhost:${chat.port}/chat`)).toBe('open');
    const origin = `http://localhost:${chat.port}`;
    // The page's own socket (101), the cross-origin one (403), then the second attempt (101).
    expect(upgrades).toEqual([`${origin} 101`, `${origin} 403`, `${origin} 101`]);
  }, 60_000);
});
