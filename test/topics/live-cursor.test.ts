// The Redis backend's backfill bookkeeping (src/topics/redis/live-cursor.ts) when reconnects
// overlap, as a cluster's do when several shards' subscriber connections are replaced in a row.
import { describe, expect, it } from 'vitest';
import { PreparedMessage, type TopicReplay } from '../../src/index.js';
import { LiveCursor } from '../../src/topics/redis/live-cursor.js';
import { deferred } from '../helpers/deferred.js';

const message = (seq: number): PreparedMessage => new PreparedMessage('text', Buffer.from(`m${seq}`), `1-${seq}`);
const texts = (messages: PreparedMessage[]): string[] => messages.map((each) => each.payload.toString());

describe('LiveCursor', () => {
  it('holds live messages until the last of two overlapping backfills is done, then lets each through once, in order', async () => {
    const cursor = new LiveCursor();
    const emitted: PreparedMessage[] = [];
    const emit = (each: PreparedMessage): number => emitted.push(each);
    expect(cursor.accept('room', message(1))).toBe(true);
    emitted.push(message(1));

    // First reconnect: m2 and m3 were lost; m4 arrives live while the first replay is pending.
    expect(cursor.hold()).toEqual(['room']);
    const firstReplay = deferred<TopicReplay>();
    const first = cursor.backfill('room', () => firstReplay.promise, emit);
    expect(cursor.accept('room', message(4))).toBe(false);
    // Second reconnect before the first backfill is done: m5 and m6 lost, m7 live.
    expect(cursor.hold()).toEqual(['room']);
    const secondReplay = deferred<TopicReplay>();
    const second = cursor.backfill('room', () => secondReplay.promise, emit);
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
});
