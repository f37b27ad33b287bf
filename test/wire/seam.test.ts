// The seam rule both clients follow (docs/protocol.md, "Seams and gaps"), on the clients' resume points.
import { describe, expect, it } from 'vitest';
import { ResumePoints, seamMeansGap } from '../../src/wire/index.js';

describe('the seam rule', () => {
  it('is a gap when the server says so, or when after is newer than the last id', () => {
    expect(seamMeansGap('1-5', '1-5', true)).toBe(true);
    expect(seamMeansGap(undefined, undefined, true)).toBe(true);
    expect(seamMeansGap('1-5', '1-6', false)).toBe(true);
    expect(seamMeansGap('1-9', '1-10', false)).toBe(true);
  });

  it('is no gap for a client without an id for the topic, a seam without after, or an after it has', () => {
    expect(seamMeansGap(undefined, '1-6', false)).toBe(false);
    expect(seamMeansGap('1-5', undefined, false)).toBe(false);
    expect(seamMeansGap('1-5', '1-5', false)).toBe(false);
    expect(seamMeansGap('1-5', '1-4', false)).toBe(false);
  });

  it('ResumePoints: a replay up to the seam is no gap; a seam past what arrived is one; after never moves the last id back', () => {
    const points = new ResumePoints({ room: '1-5' });
    expect(points.accept('room', '1-6')).toBe(true);
    expect(points.seam('room', '1-6', false)).toBe(false);
    expect(points.seam('room', '1-8', false)).toBe(true);
    expect(points.lastIds).toEqual({ room: '1-8' });
    expect(points.seam('room', '1-3', true)).toBe(true);
    expect(points.lastIds).toEqual({ room: '1-8' });
    expect(points.accept('room', '1-8')).toBe(false);
    expect(points.accept('room', '1-9')).toBe(true);
    // A first seam of a topic sets where a later resume starts, with nothing to miss.
    expect(points.seam('fresh', '1-2', false)).toBe(false);
    expect(points.url('/feed?x=1')).toBe(`/feed?x=1&upsocket-resume=${encodeURIComponent('{"room":"1-9","fresh":"1-2"}')}`);
  });
});
