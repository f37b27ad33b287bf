// The Redis backend's backfill bookkeeping (src/topics/redis/live-cursor.ts) when reconnects
// overlap, as a cluster's do when several shards' subscriber connections are replaced in a row.
import { describe, expect, it } from 'vitest';
import { PreparedMessage } from '../../src/index.js';
import type { StreamReplay as TopicReplay } from '../../src/topics/redis/redis-history.js';
import { LiveCursor } from '../../src/topics/redis/live-cursor.js';
import { deferred } from '../helpers/deferred.js';

const message = (seq: number): PreparedMessage => new PreparedMessage('text', Buffer.from(`m${seq}`), `1-${seq}`);
const texts = (messages: PreparedMessage[]): string[] => messages.map((each) => each.payload.toString());

describe('LiveCursor', () => {
  it('holds live messages until the last of two overlapping backfills is done, then lets each through once, in order', async () => {
    const emitted: PreparedMessage[] = [];
    const cursor = new LiveCursor((_topic, each) => emitted.push(each), () => expect.fail('no gap'));
    expect(cursor.accept('room', message(1))).toBe(true);
    emitted.push(message(1));

    // First reconnect: m2 and m3 were lost; m4 arrives live while the first replay is pending.
    cursor.hold(['room']);
    const firstReplay = deferred<TopicReplay>();
    const first = cursor.backfill('room', () => firstReplay.promise);
    expect(cursor.accept('room', message(4))).toBe(false);
    // Second reconnect before the first backfill is done: m5 and m6 lost, m7 live.
    cursor.hold(['room']);
    const secondReplay = deferred<TopicReplay>();
    const second = cursor.backfill('room', () => secondReplay.promise);
    expect(cursor.accept('room', message(7))).toBe(false);

    firstReplay.resolve({ messages: [message(2), message(3), message(4)], last: '1-4', gap: false });
    await first;
    // Still held: the second backfill may bring older messages than m7.
    expect(texts(emitted)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(cursor.accept('room', message(8))).toBe(false);

    secondReplay.resolve({ messages: [message(2), message(3), message(4), message(5), message(6), message(7)], last: '1-7', gap: false });
    await second;
    expect(texts(emitted)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(cursor.accept('room', message(9))).toBe(true);
  });

  it('signals a gap between the backfilled messages and the held ones when the history no longer reached back', async () => {
    const events: string[] = [];
    const cursor = new LiveCursor((_topic, each) => events.push(each.payload.toString()), (topic, after) => events.push(`gap ${topic} after ${after}`));
    cursor.accept('room', message(1));
    cursor.hold(['room']);
    const replay = deferred<TopicReplay>();
    const backfill = cursor.backfill('room', () => replay.promise);
    cursor.accept('room', message(9));
    replay.resolve({ messages: [message(7), message(8)], last: '1-8', gap: true });
    await backfill;
    expect(events).toEqual(['m7', 'm8', 'gap room after 1-8', 'm9']);
  });

  it('lets through held live messages the stream trimmed before the backfill read it, before what it kept', async () => {
    const events: string[] = [];
    const cursor = new LiveCursor((_topic, each) => events.push(each.payload.toString()), (topic, after) => events.push(`gap after ${after}`));
    cursor.accept('room', message(1));
    cursor.hold(['room']);
    const replay = deferred<TopicReplay>();
    const backfill = cursor.backfill('room', () => replay.promise);
    // m2-m4 were lost with the subscriber connection; m5 and m6 arrive live while the read is on
    // its way, and by the time it runs the history (2 kept) holds only m7 and m8.
    for (const seq of [5, 6, 7, 8]) expect(cursor.accept('room', message(seq))).toBe(false);
    replay.resolve({ messages: [message(7), message(8)], last: '1-8', gap: true });
    await backfill;
    expect(events).toEqual(['m5', 'm6', 'm7', 'm8', 'gap after 1-8']);
    expect(cursor.accept('room', message(9))).toBe(true);
  });

  it('signals a gap when the replay failed and no other backfill is pending, not while one is', async () => {
    const events: string[] = [];
    const cursor = new LiveCursor((_topic, each) => events.push(each.payload.toString()), (topic, after) => events.push(`gap after ${after}`));
    cursor.accept('room', message(1));
    cursor.hold(['room']);
    cursor.hold(['room']);
    const failing = deferred<TopicReplay>();
    const first = cursor.backfill('room', () => failing.promise);
    failing.reject(new Error('down'));
    await expect(first).rejects.toThrow('down');
    expect(events).toEqual([]);
    const second = deferred<TopicReplay>();
    const last = cursor.backfill('room', () => second.promise);
    second.reject(new Error('down'));
    await expect(last).rejects.toThrow('down');
    expect(events).toEqual(['gap after 1-1']);
  });

  it('backfills a topic that had no live message yet from the earliest point its replays reached', async () => {
    const emitted: PreparedMessage[] = [];
    const cursor = new LiveCursor((_topic, each) => emitted.push(each), () => expect.fail('no gap'));
    cursor.replayed('room', '1-5');
    cursor.replayed('room', '1-3');
    cursor.replayed('room', '1-6');
    cursor.hold(['room']);
    const asked: [string, string][] = [];
    const replay = (topic: string, since: string): Promise<TopicReplay> => {
      asked.push([topic, since]);
      return Promise.resolve({ messages: [message(4)], last: '1-4', gap: false });
    };
    await cursor.backfill('room', replay);
    expect(asked).toEqual([['room', '1-3']]);
    expect(texts(emitted)).toEqual(['m4']);
    // Once a live message passed, the floor no longer matters.
    cursor.replayed('room', '1-1');
    cursor.hold(['room']);
    await cursor.backfill('room', replay);
    expect(asked.at(-1)).toEqual(['room', '1-4']);
  });

  it('after a failed resubscribe reads the stream only to let held messages out, and leaves the rest to the next backfill', async () => {
    const events: string[] = [];
    const cursor = new LiveCursor((_topic, each) => events.push(each.payload.toString()), (_topic, after) => events.push(`gap after ${after}`));
    cursor.accept('quiet', message(1));
    cursor.accept('busy', message(1));
    cursor.hold(['quiet', 'busy']);
    cursor.accept('busy', message(5));
    const asked: string[] = [];
    const failing = (topic: string): Promise<TopicReplay> => {
      asked.push(topic);
      return Promise.reject(new Error('down'));
    };
    await cursor.backfill('quiet', failing, false);
    expect(asked).toEqual([]);
    expect(events).toEqual([]);
    // Held messages go out: past a hole the failed read could not fill.
    await expect(cursor.backfill('busy', failing, false)).rejects.toThrow('down');
    expect(asked).toEqual(['busy']);
    expect(events).toEqual(['gap after 1-1', 'm5']);
    // The next resubscribe backfills the quiet topic from where it was.
    cursor.hold(['quiet']);
    await cursor.backfill('quiet', (topic, since) => Promise.resolve({ messages: [message(2)], last: since, gap: false }));
    expect(events.at(-1)).toBe('m2');
  });

  it('holds a topic with no live message and no replay yet, and backfills it from a replay that answered meanwhile', async () => {
    const emitted: PreparedMessage[] = [];
    const cursor = new LiveCursor((_topic, each) => emitted.push(each), () => expect.fail('no gap'));
    cursor.hold(['room']);
    expect(cursor.accept('room', message(9))).toBe(false);
    cursor.replayed('room', '1-6');
    const asked: string[] = [];
    await cursor.backfill('room', (_topic, since) => {
      asked.push(since);
      return Promise.resolve({ messages: [message(7), message(8)], last: '1-8', gap: false });
    });
    expect(asked).toEqual(['1-6']);
    expect(texts(emitted)).toEqual(['m7', 'm8', 'm9']);
  });

  // Stop 28 left this race open: a subscriber's replay read the stream, the subscriber connection
  // came back and its backfill found no point to start from (the replay had not answered), so what
  // was published between the read and the resubscribe reached neither.
  it('reads a replay again from its last id when a backfill found no point to start from while it was pending', async () => {
    const cursor = new LiveCursor(() => expect.fail('nothing emitted'), () => expect.fail('no gap'));
    const reads: (string | undefined)[] = [];
    const first = deferred<TopicReplay>();
    const replay = cursor.replay('room', undefined, (since) => {
      reads.push(since);
      return reads.length === 1 ? first.promise : Promise.resolve({ messages: [message(4), message(5)], last: '1-5', gap: false });
    });
    cursor.hold(['room']);
    await cursor.backfill('room', () => expect.fail('no point to read from'));
    first.resolve({ messages: [], last: '1-3', gap: false });
    expect(await replay).toEqual({ messages: [message(4), message(5)], last: '1-5', gap: false });
    expect(reads).toEqual([undefined, '1-3']);
  });

  it('reads a replay once when no backfill ran meanwhile, or when one had a point to start from', async () => {
    const cursor = new LiveCursor(() => {}, () => expect.fail('no gap'));
    const reads: (string | undefined)[] = [];
    const read = (since: string | undefined): Promise<TopicReplay> => {
      reads.push(since);
      return Promise.resolve({ messages: [], last: '1-3', gap: false });
    };
    expect(await cursor.replay('room', '1-1', read)).toEqual({ messages: [], last: '1-3', gap: false });
    cursor.replayed('room', '1-3');
    const pending = deferred<TopicReplay>();
    const second = cursor.replay('room', undefined, (since) => {
      reads.push(since);
      return pending.promise;
    });
    cursor.hold(['room']);
    await cursor.backfill('room', (_topic, since) => read(since));
    pending.resolve({ messages: [], last: '1-3', gap: false });
    await second;
    // The backfill read from the floor; the pending replay was not read again.
    expect(reads).toEqual(['1-1', undefined, '1-3']);
  });
});
