// The real chat demo (examples/node-http, as `npm start` runs it, with REDIS_URL) in a real
// headless Chromium: the demo server process is stopped and started again on the same port while
// messages are said in the room through Redis by another process, and the page shows every
// message exactly once, in order (issue 14: "kill the server, publish from another process while
// it is down, restart").
import { expect, it } from 'vitest';
import type { Said } from '../../examples/shared/chat-room.js';
import { createChatTopics } from '../../examples/shared/chat-rooms.js';
import { onCleanup } from '../helpers/cleanup.js';
import { launchChromium } from '../helpers/chromium.js';
import { demoProcess } from '../helpers/demo-process.js';
import { chromium, describeNeeding, redisServer } from '../helpers/external-programs.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { delay } from '../helpers/server.js';

const TOTAL = 60;

describeNeeding('the chat demo in headless Chromium', { needs: [chromium, redisServer] }, () => {
  it('shows every message exactly once, in order, across a restart of the demo server', async () => {
    const redis = await RedisServer.start();
    const port = await freePort();
    const demo = await demoProcess('node-http', port, { REDIS_URL: redis.url });
    // Another process in the room: what a browser on a second demo server would say, through Redis.
    const elsewhere = createChatTopics(redis.url);
    onCleanup(() => elsewhere.close());
    let said = 0;
    const sayNext = (): Promise<unknown> =>
      elsewhere.publish('room:lobby', { type: 'said', name: 'bot', text: `message ${++said}`, at: Date.now() } satisfies Said);

    const tab = await (await launchChromium()).newPage();
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForSelector('#status[data-state="online"]', { state: 'attached', timeout: 15_000 });
    const shown = (): Promise<string[]> => tab.$$eval('#messages li:not(.note) > span:last-child', (spans) => spans.map((span) => span.textContent ?? ''));

    // The page is online at the 101; its room is subscribed (in Redis) a moment later. A first
    // connection has no resume point, so what is said before that is not its to receive.
    while ((await redis.subscribers('upsocket:room:lobby')) === 0) await delay(20);
    while (said < 20) await sayNext();
    await tab.waitForSelector('#messages li:nth-child(20)', { timeout: 10_000 });

    await demo.stop();
    await tab.waitForSelector('#status[data-state="offline"]', { state: 'attached', timeout: 10_000 });
    while (said < 40) await sayNext(); // while the demo server is down
    await delay(200);
    expect(await shown()).toHaveLength(20);
    const restarting = demo.start();
    // Some while it starts up again, the rest once it is back (the page may still be reconnecting).
    while (said < 50) await sayNext();
    await restarting;
    while (said < TOTAL) await sayNext();
    await tab.waitForSelector(`#messages li:nth-child(${TOTAL})`, { timeout: 20_000 });
    await tab.waitForSelector('#status[data-state="online"]', { state: 'attached', timeout: 10_000 });

    await sayNext();
    await tab.waitForSelector(`#messages li:nth-child(${TOTAL + 1})`, { timeout: 10_000 });
    await delay(200); // room for a duplicate to show up
    expect(await shown()).toEqual(Array.from({ length: TOTAL + 1 }, (_, index) => `message ${index + 1}`));
    // No "some messages were missed" note: the history covered the outage.
    expect(await tab.$$('#messages li.note')).toHaveLength(0);
  }, 90_000);
});
