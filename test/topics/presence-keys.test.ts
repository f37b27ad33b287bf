// Where a topic's presence lives in Redis: its channel and keys share one hash tag (one cluster
// slot), the topic's own tag when it has one, and two topics never share a key.
import { describe, expect, it } from 'vitest';
import { PresenceKeys } from '../../src/topics/redis/presence-keys.js';

/** The part of `key` Redis Cluster hashes: its hash tag, or all of it. */
function hashed(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('presence keys', () => {
  it('wraps a topic without a hash tag in braces: channel and keys hash alike', () => {
    const keys = new PresenceKeys('upsocket:', 'room:lobby');
    expect(keys.channel).toBe('upsocket:presence:{room:lobby}');
    expect([keys.processes, keys.entries('k3x9'), keys.held].map(hashed)).toEqual(['room:lobby', 'room:lobby', 'room:lobby']);
  });

  it("keeps a topic's own hash tag, so it lands where its messages do", () => {
    const keys = new PresenceKeys('upsocket:', 'doc:{42}:cursor');
    expect(keys.channel).toBe('upsocket:presence:=doc:{42}:cursor');
    expect([keys.channel, keys.processes, keys.entries('k3x9'), keys.held].map(hashed)).toEqual(['42', '42', '42', '42']);
  });

  it('never gives two topics the same key, braces or not', () => {
    const topics = ['a', '{a}', 'a}', '{a', '{}a', 'a:s', '{a}:s', 'a:h', '{a}:h', 'a:e', 'x{a}', '=a', '{=a}'];
    const all = topics.flatMap((topic) => {
      const keys = new PresenceKeys('p:', topic);
      return [keys.processes, keys.entries('k3x9'), keys.entries('h'), keys.held, `channel ${keys.channel}`];
    });
    expect(new Set(all).size).toBe(all.length);
  });
});
