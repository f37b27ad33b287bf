import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createChatServer } from '../../examples/node-http/server.js';
import { createRedisBackend } from '../../src/topics/redis/index.js';
import { createTopics, UpsocketError } from '../../src/index.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';
import type { PublishCommand, PublishReply } from '../fixtures/topics-node.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, redisServer } from '../helpers/external-programs.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { delay, listen, until } from '../helpers/server.js';
import { nextRoomMessage } from '../helpers/room-messages.js';
import { TestClient, type Received } from '../helpers/ws-client.js';

const nodeScript = fileURLToPath(new URL('../fixtures/topics-node.ts', import.meta.url));

/** One app process (test/fixtures/topics-node.ts) with its own Redis backend. */
class AppProcess {
  readonly #child: ChildProcess;
  readonly port: number;
  #nextId = 1;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
  }

  static async start(redisUrl: string): Promise<AppProcess> {
    const child = fork(nodeScript, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, REDIS_URL: redisUrl },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    onCleanup(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.send('exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    });
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`app process exited with ${code} before listening`))),
    ])) as [{ port: number }];
    return new AppProcess(child, message.port);
  }

  publish(command: Omit<PublishCommand, 'id'>): Promise<PublishReply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const onMessage = (reply: PublishReply): void => {
        if (reply.id !== id) return;
        this.#child.off('message', onMessage);
        resolve(reply);
      };
      this.#child.on('message', onMessage);
      this.#child.send({ id, ...command } satisfies PublishCommand);
    });
  }

  /** A client in `room`, once the app says the Redis subscription is active. */
  async join(room: string): Promise<TestClient> {
    const client = await TestClient.connect(`ws://127.0.0.1:${this.port}/rooms/${room}`);
    expect(await client.nextText()).toBe('subscribed');
    return client;
  }
}

/** Every message `client` receives until `until` (included), as text or `binary:<hex>`. */
async function receiveUntil(client: TestClient, last: string, timeout = 5000): Promise<string[]> {
  const received: string[] = [];
  while (received.at(-1) !== last) received.push(show(await client.next(timeout)));
  return received;
}

function show(message: Received): string {
  return message.isBinary ? `binary:${message.data.toString('hex')}` : message.data.toString();
}

/** Fails if `client` receives anything within `ms`. */
async function expectSilence(client: TestClient, ms = 300): Promise<void> {
  await expect(client.next(ms)).rejects.toThrow('no message within timeout');
}

describeNeeding('topics across processes through Redis', { needs: [redisServer], timeout: 60_000 }, () => {
  it('delivers one publish to every subscriber in three processes exactly once', async () => {
    const redis = await RedisServer.start();
    const apps = await Promise.all([0, 1, 2].map(() => AppProcess.start(redis.url)));
    const lobby: TestClient[] = [];
    const kitchen: TestClient[] = [];
    for (const app of apps) {
      lobby.push(await app.join('lobby'), await app.join('lobby'));
      kitchen.push(await app.join('kitchen'));
    }
    // One subscriber connection per process, however many topics and subscribers it has.
    expect(await redis.subscriberConnections()).toBe(3);
    expect(await redis.subscribers('upsocket:lobby')).toBe(3);
    expect(await redis.subscribers('upsocket:kitchen')).toBe(3);

    expect(await apps[0]!.publish({ topic: 'lobby', text: 'hello from 0' })).toEqual({ id: 1, ok: true });
    expect(await apps[1]!.publish({ topic: 'lobby', base64: Buffer.from([1, 2, 255]).toString('base64') })).toMatchObject({ ok: true });
    expect(await apps[2]!.publish({ topic: 'lobby', json: { from: 2, text: 'é' } })).toMatchObject({ ok: true });
    expect(await apps[2]!.publish({ topic: 'kitchen', text: 'kitchen only' })).toMatchObject({ ok: true });

    const expected = ['binary:0102ff', 'hello from 0', '{"from":2,"text":"é"}'];
    for (const client of lobby) {
      const received: string[] = [];
      for (let i = 0; i < expected.length; i++) received.push(show(await client.next()));
      // Each publisher's messages are ordered; across publishers the order may differ per process.
      expect(received.sort()).toEqual(expected);
    }
    for (const client of kitchen) expect(await client.nextText()).toBe('kitchen only');
    // Exactly once: nothing more arrives, not even the publishing process's own copy from Redis.
    await Promise.all([...lobby, ...kitchen].map((client) => expectSilence(client)));
  });

  it('publishes again within seconds after Redis restarts; meanwhile it reports the outage and delivers locally', async () => {
    const redis = await RedisServer.start();
    const apps = await Promise.all([0, 1, 2].map(() => AppProcess.start(redis.url)));
    const clients = await Promise.all(apps.map((app) => app.join('lobby')));

    await redis.stop();
    const during = await apps[0]!.publish({ topic: 'lobby', text: 'during the outage' });
    expect(during).toMatchObject({ ok: false, code: 'UPSOCKET_BACKEND_UNAVAILABLE' });
    expect(during.message).toContain(`Redis at 127.0.0.1:${redis.port} is unavailable`);
    expect(await clients[0]!.nextText()).toBe('during the outage');

    const restarted = Date.now();
    await redis.restart();
    // Keep publishing until the other processes hear it: their subscriber connections reconnect
    // and subscribe again by themselves.
    let attempt = 0;
    const heard = [false, false, false];
    const waiting = clients.map((client, index) =>
      client.nextText(10_000).then((text) => {
        heard[index] = true;
        return text;
      }),
    );
    while (!heard[1] || !heard[2]) {
      expect(Date.now() - restarted, 'publishing did not work again within 5 s').toBeLessThan(5000);
      await apps[0]!.publish({ topic: 'lobby', text: `after restart ${attempt++}` });
      await delay(100);
    }
    for (const text of await Promise.all(waiting)) expect(text).toMatch(/^after restart \d+$/);

    // Back to normal: one more message reaches every process once, after whatever preceded it.
    expect(await apps[0]!.publish({ topic: 'lobby', text: 'final' })).toMatchObject({ ok: true });
    for (const client of clients) {
      const received = await receiveUntil(client, 'final');
      expect(received.slice(0, -1).every((text) => /^after restart \d+$/.test(text))).toBe(true);
    }
    await Promise.all(clients.map((client) => expectSilence(client)));
  });

  it('without a reachable Redis, rejects publish with a clear error, delivers locally, and subscribes once Redis appears', async () => {
    const port = await freePort();
    const reported: Error[] = [];
    const topics = createTopics({
      backend: createRedisBackend({ url: `redis://127.0.0.1:${port}`, timeout: 300, onError: (error) => reported.push(error) }),
    });
    onCleanup(() => topics.close());
    const subscribed: Promise<unknown>[] = [];
    const { wsUrl } = await nodeHttpFixture.start({
      handler: async (connection, { room }) => {
        subscribed.push(topics.subscribe(connection, room).then(() => 'subscribed', (error: unknown) => error));
        for await (const message of connection) void message;
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/news`);
    await until(() => topics.subscriberCount('news') === 1, 5000, 'the subscription');

    const failure = await topics.publish('news', { headline: 'local only' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UpsocketError);
    expect((failure as UpsocketError).code).toBe('UPSOCKET_BACKEND_UNAVAILABLE');
    expect((failure as UpsocketError).message).toMatch(new RegExp(`^Cannot publish to topic "news": Redis at 127\\.0\\.0\\.1:${port} is unavailable \\(.+\\)\\. Subscribers in this process got the message; other processes did not\\.$`));
    expect(await client.nextText()).toBe('{"headline":"local only"}');

    const subscribeError = await subscribed[0];
    expect(subscribeError).toBeInstanceOf(UpsocketError);
    expect((subscribeError as UpsocketError).code).toBe('UPSOCKET_BACKEND_UNAVAILABLE');
    // Reported once per connection and outage, however many reconnect attempts failed.
    await delay(500);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.length).toBeLessThanOrEqual(2);
    expect(reported.every((error) => error instanceof UpsocketError && error.code === 'UPSOCKET_BACKEND_UNAVAILABLE')).toBe(true);

    // Redis appears: the subscription made while it was away takes effect, so another process's
    // publish arrives.
    await RedisServer.start(port);
    const elsewhere = createTopics({ backend: createRedisBackend({ url: `redis://127.0.0.1:${port}` }) });
    onCleanup(() => elsewhere.close());
    const started = Date.now();
    let heard = false;
    const received = client.nextText(10_000).finally(() => (heard = true));
    while (!heard) {
      expect(Date.now() - started, 'the subscription was not made within 5 s').toBeLessThan(5000);
      await elsewhere.publish('news', 'from elsewhere').catch(() => undefined);
      await delay(100);
    }
    expect(await received).toBe('from elsewhere');
  });

  it('lets the chat demo share its rooms between two servers when REDIS_URL is set', async () => {
    const redis = await RedisServer.start();
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    const servers = [createChatServer(), createChatServer()];
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
    const [first, second] = await Promise.all(
      servers.map(({ server, upsocket, topics }) => {
        onCleanup(() => topics.close());
        return listen(server, upsocket);
      }),
    );
    const alice = await TestClient.connect(`${first!.wsUrl}/chat/kitchen`);
    const bob = await TestClient.connect(`${second!.wsUrl}/chat/kitchen`);
    const carol = await TestClient.connect(`${second!.wsUrl}/chat/garden`);
    // The servers subscribe as the browsers connect: one subscriber connection per server and room.
    const subscribed = async () => [await redis.subscribers('upsocket:room:kitchen'), await redis.subscribers('upsocket:room:garden')];
    for (let tries = 0; (await subscribed()).join() !== '2,1'; tries++) {
      expect(tries, 'the servers did not subscribe within 5 s').toBeLessThan(100);
      await delay(50);
    }

    alice.ws.send(JSON.stringify({ type: 'say', name: 'alice', text: 'hello from the first server' }));
    for (const client of [alice, bob]) {
      expect(await nextRoomMessage(() => client.nextText())).toMatchObject({ type: 'said', name: 'alice', text: 'hello from the first server' });
    }
    carol.ws.send(JSON.stringify({ type: 'say', name: 'carol', text: 'garden' }));
    expect(await nextRoomMessage(() => carol.nextText())).toMatchObject({ name: 'carol', text: 'garden' });
    await Promise.all([alice, bob].map((client) => expectSilence(client)));
  });
});
