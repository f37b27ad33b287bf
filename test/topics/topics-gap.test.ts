// What Topics does when its backend says live messages of a topic were lost (keepHistory's
// onGap), for each state a subscriber can be in: live raw or enveloped, settling, being replayed
// to, waiting for the backend's subscription. The backend is the memory one with its replay and
// subscription held back on demand; the connections are pair()'s.
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createTopics, type Connection, type TopicBackend, type TopicGap, type TopicGapListener, type TopicReplay } from '../../src/index.js';
import { pair } from '../../src/testing/index.js';
import { deferred } from '../helpers/deferred.js';

/** The memory backend, whose onGap the test calls, and whose replays and subscription can be held. */
function heldBackend() {
  const memory = createMemoryBackend();
  const control = {
    onGap: undefined as TopicGapListener | undefined,
    replays: [] as { resolve: () => void }[],
    holdReplays: false,
    subscription: undefined as Promise<void> | undefined,
  };
  const backend: TopicBackend = {
    publish: (topic, message) => memory.publish(topic, message),
    subscribe: async (topic, listener) => {
      await memory.subscribe(topic, listener);
      await control.subscription;
    },
    unsubscribe: (topic, listener) => memory.unsubscribe(topic, listener),
    close: () => memory.close(),
    keepHistory: (bounds, onGap) => {
      memory.keepHistory!(bounds);
      control.onGap = onGap;
    },
    replay: async (topic, since): Promise<TopicReplay> => {
      if (control.holdReplays) {
        const held = deferred();
        control.replays.push({ resolve: () => held.resolve() });
        await held.promise;
      }
      return memory.replay!(topic, since);
    },
  };
  return { backend, control };
}

/** Everything `client` received so far, as text, without waiting for more. */
async function drain(client: Connection): Promise<string[]> {
  const texts: string[] = [];
  await new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    const next = await Promise.race([client.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 20))]);
    if (next === null) return texts;
    texts.push(next.text());
  }
}

describe("Topics and the backend's gaps", () => {
  it('sends the gap seam to live and settling enveloped subscribers, names raw ones to onGap, and puts it in the seam of those being replayed to', async () => {
    const { backend, control } = heldBackend();
    const gaps: [string, TopicGap][] = [];
    const topics = createTopics({ backend, history: {}, onGap: (topic, gap) => void gaps.push([topic, gap]) });
    const id = await topics.publish('room', 'm1');
    const [enveloped, envelopedClient] = pair();
    const [raw, rawClient] = pair();
    const [replaying, replayingClient] = pair();
    expect(await topics.subscribe(enveloped, 'room', { envelope: true })).toEqual({ gap: false, after: id });
    expect(await topics.subscribe(raw, 'room')).toEqual({ gap: false, after: id });
    control.holdReplays = true;
    const replayed = topics.subscribe(replaying, 'room', { since: id, envelope: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(control.replays).toHaveLength(1);

    control.onGap!('room', id);
    control.replays[0]!.resolve();
    expect(await replayed).toEqual({ gap: true, after: id });
    // The enveloped one was settling (no message after its seam yet): it is told all the same.
    expect(await drain(envelopedClient)).toEqual([`{"topic":"room","after":"${id}"}`, `{"topic":"room","after":"${id}","gap":true}`]);
    expect(await drain(rawClient)).toEqual([]);
    expect(await drain(replayingClient)).toEqual([`{"topic":"room","after":"${id}","gap":true}`]);
    expect(gaps).toEqual([['room', { after: id, raw: [raw], enveloped: [enveloped] }]]);
    // A gap in a topic nobody here subscribes to is nobody's.
    control.onGap!('other', undefined);
    expect(gaps).toHaveLength(1);
    await topics.close();
  });

  it('says nothing to a subscriber whose replay was not asked for yet: it reads the history after the loss', async () => {
    const { backend, control } = heldBackend();
    const gaps: TopicGap[] = [];
    const topics = createTopics({ backend, history: {}, envelope: true, onGap: (_topic, gap) => void gaps.push(gap) });
    const id = await topics.publish('room', 'm1');
    const subscription = deferred();
    control.subscription = subscription.promise;
    const [waiting, waitingClient] = pair();
    const subscribed = topics.subscribe(waiting, 'room', { since: id });
    control.onGap!('room', id);
    subscription.resolve();
    expect(await subscribed).toEqual({ gap: false, after: id });
    expect(await drain(waitingClient)).toEqual([`{"topic":"room","after":"${id}"}`]);
    expect(gaps).toEqual([{ after: id, raw: [], enveloped: [] }]);
    await topics.close();
  });

  it('logs one line by default when raw subscribers were hit, and checks onGap', async () => {
    const { backend, control } = heldBackend();
    const topics = createTopics({ backend, history: {} });
    const [raw] = pair();
    await topics.subscribe(raw, 'room');
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      control.onGap!('room', '5-1');
    } finally {
      console.error = original;
    }
    expect(logged).toEqual([[expect.stringMatching(/^upsocket: 1 raw subscriber\(s\) of topic "room" missed messages after 5-1 .*onGap/)]]);
    await topics.close();
    expect(() => createTopics({ onGap: 5 as never })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringMatching(/onGap must be a function/) }));
  });
});
