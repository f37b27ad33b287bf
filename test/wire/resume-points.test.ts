import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIds, resumePoints } from '../../src/index.js';
import { ResumePoints } from '../../src/wire/index.js';

const withResume = (value: string): { url: string } => ({ url: `/chat?room=1&upsocket-resume=${encodeURIComponent(value)}` });

describe('resumePoints()', () => {
  it('reads the last id per topic from the upgrade URL', () => {
    expect(resumePoints(withResume(JSON.stringify({ 'room:lobby': '1733140000000-5', 'user:42': '1733140000000-9' })))).toEqual({
      'room:lobby': '1733140000000-5',
      'user:42': '1733140000000-9',
    });
    // An absolute URL (a Web Request's) works the same.
    expect(resumePoints({ url: `http://example.test${withResume('{"a":"1-1"}').url}` })).toEqual({ a: '1-1' });
  });

  it('never throws: anything malformed gives {} and only string values are kept', () => {
    expect(resumePoints({})).toEqual({});
    expect(resumePoints({ url: '/chat' })).toEqual({});
    expect(resumePoints({ url: '/chat?upsocket-resume=%7B' })).toEqual({});
    expect(resumePoints({ url: '/chat?upsocket-resume=%E0%A4%A' })).toEqual({});
    for (const value of ['null', '[]', '"1-1"', '42', 'not json']) expect(resumePoints(withResume(value))).toEqual({});
    expect(resumePoints(withResume('{"a":1,"b":null,"c":{"d":"1-1"},"e":"2-2","":"3-3"}'))).toEqual({ e: '2-2' });
  });

  it('keeps __proto__ as a topic name, not a prototype, and at most 256 topics', () => {
    const points = resumePoints(withResume('{"__proto__":"1-1"}'));
    expect(Object.getPrototypeOf(points)).toBe(Object.prototype);
    expect(Object.keys(points)).toEqual(['__proto__']);
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`t${index}`, `1-${index}`]));
    const kept = resumePoints(withResume(JSON.stringify(many)));
    expect(Object.keys(kept)).toHaveLength(256);
    expect(kept.t255).toBe('1-255');
  });
});

describe('compareIds()', () => {
  it('orders by ms then seq, as numbers', () => {
    expect(compareIds('1733140000000-9', '1733140000000-10')).toBeLessThan(0);
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('1733140000001-1', '1733140000000-99')).toBeGreaterThan(0);
    expect(compareIds('5-5', '5-5')).toBe(0);
    const sorted = ['10-1', '9-10', '9-2', '10-0'].sort(compareIds);
    expect(sorted).toEqual(['9-2', '9-10', '10-0', '10-1']);
  });

  it('sorts what is not an id before every id', () => {
    for (const bad of ['', '-', '5', '5-', '-5', 'a-1', '1-b', '1-2-3', ' 1-2']) {
      expect(compareIds(bad, '0-0'), bad).toBeLessThan(0);
      expect(compareIds('0-0', bad), bad).toBeGreaterThan(0);
    }
    expect(compareIds('x', 'y')).toBe(0);
  });

  it('is exact for the 64-bit parts of Redis ids: digit by digit, leading zeros ignored, at most 20 digits a part', () => {
    expect(compareIds('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
    expect(compareIds('18446744073709551615-0', '18446744073709551614-99')).toBeGreaterThan(0);
    expect(compareIds('007-1', '7-01')).toBe(0);
    expect(compareIds('123456789012345678901-0', '0-0')).toBeLessThan(0);
    expect(compareIds('0-123456789012345678901', '0-0')).toBeLessThan(0);
  });
});

describe('ResumePoints#accept()', () => {
  it('orders against the stored last id as compareIds() does, whatever the stored id is (checked once, when stored)', () => {
    const ids = ['9-0', '10-0', '10-00', '010-1', '1733140000000-9', '1733140000000-10', '18446744073709551615-1', 'not an id', '', '1-', '123456789012345678901-1'];
    for (const first of ids) {
      for (const second of ids) {
        // Stored by accept() and by the constructor (a `since` the app passed): the same answers.
        for (const points of [new ResumePoints(), new ResumePoints({ t: first })]) {
          if (points.lastIds.t === undefined) expect(points.accept('t', first)).toBe(true);
          const newer = compareIds(second, first) > 0;
          expect(points.accept('t', second)).toBe(newer);
          expect(points.lastIds).toEqual({ t: newer ? second : first });
        }
      }
    }
  });

  it('keeps each topic apart, and moves the last id forward in place (later duplicates compare against the newest)', () => {
    const points = new ResumePoints({ b: 'garbage' });
    expect(points.accept('a', '5-1')).toBe(true);
    expect(points.accept('a', '5-2')).toBe(true);
    expect(points.accept('a', '5-1')).toBe(false);
    expect(points.accept('a', '5-2')).toBe(false);
    expect(points.accept('b', 'garbage')).toBe(false);
    expect(points.accept('b', '1-1')).toBe(true);
    expect(points.accept('b', 'garbage')).toBe(false);
    expect(points.accept('b', '0-5')).toBe(false);
    expect(points.accept('b', '10-0')).toBe(true);
    expect(points.accept('b', '9-99')).toBe(false);
    expect(points.lastIds).toEqual({ a: '5-2', b: '10-0' });
  });
});

describe('compareIds() as a property', () => {
  it('orders any two ids as their numbers (BigInt), leading zeros and same-length parts included', () => {
    const part = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      fc.stringMatching(/^\d{1,20}$/),
      fc.constantFrom('0', '00', '9', '09', '10', '010', '1733140000000'),
    );
    const id = fc.tuple(part, part);
    const sign = (value: number | bigint): number => (value > 0 ? 1 : value < 0 ? -1 : 0);
    const order = ([aMs, aSeq]: [string, string], [bMs, bSeq]: [string, string]): number =>
      sign(BigInt(aMs) - BigInt(bMs)) || sign(BigInt(aSeq) - BigInt(bSeq));
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(sign(compareIds(a.join('-'), b.join('-')))).toBe(order(a, b));
        // A copy of a with b's part lengths where it can (same shape: the string comparison's case).
        const padded: [string, string] = [a[0].padStart(b[0].length, '0'), a[1].padStart(b[1].length, '0')];
        expect(sign(compareIds(padded.join('-'), b.join('-')))).toBe(order(padded, b));
      }),
      { numRuns: 5000 },
    );
  });
});
