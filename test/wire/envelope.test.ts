// The envelope parser's two paths (src/wire/envelope-scan.ts, src/wire/envelope.ts): a frame in the
// server's exact shape is scanned, any other goes through JSON.parse; both must read every frame
// the same way, or an app's own message would be taken for an envelope (and dropped) or a topic
// message for the app's (and delivered twice).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanServerEnvelope } from '../../src/wire/envelope-scan.js';
import { envelopeText, parseEnvelope, parseEnvelopeJson } from '../../src/wire/envelope.js';

/** A parse result as plain data: a scanned message's `data` is a getter, which toEqual would not see. */
function plain(result: ReturnType<typeof parseEnvelope>): unknown {
  if (result === undefined || result.kind !== 'message') return result;
  const { kind, topic, id, binary, data } = result;
  return { kind, topic, id, binary, data };
}

/** Scanned (the fast path took it), and read as the JSON path reads it. */
function expectScanned(frame: string, expected: { topic: string; id: string | undefined; binary: boolean; data: string }): void {
  expect(plain(scanServerEnvelope(frame))).toEqual({ kind: 'message', ...expected });
  expect(plain(parseEnvelope(frame))).toEqual(plain(parseEnvelopeJson(frame)));
}

/** Left to the JSON path, which reads it into `expected` (undefined: not an envelope, the app's own message). */
function expectLeftToJson(frame: string, expected: unknown): void {
  expect(scanServerEnvelope(frame)).toBeUndefined();
  expect(plain(parseEnvelope(frame))).toEqual(expected);
}

describe('parseEnvelope(): the scan of the server shape', () => {
  it('scans what envelopeText() writes: text, binary, with and without an id', () => {
    expectScanned(envelopeText('t3', '1733140000000-5', false, 't3 5 1733140000000.125'), { topic: 't3', id: '1733140000000-5', binary: false, data: 't3 5 1733140000000.125' });
    expectScanned(envelopeText('room', '1-1', true, 'AAEC/w=='), { topic: 'room', id: '1-1', binary: true, data: 'AAEC/w==' });
    expectScanned(envelopeText('room', undefined, false, 'no history'), { topic: 'room', id: undefined, binary: false, data: 'no history' });
    expectScanned(envelopeText('', '0-0', false, ''), { topic: '', id: '0-0', binary: false, data: '' });
    // Ids of 20 digits a part, with leading zeros: still ids.
    expectScanned(envelopeText('t', '18446744073709551615-00000000000000000001', false, 'x'), { topic: 't', id: '18446744073709551615-00000000000000000001', binary: false, data: 'x' });
  });

  it('unescapes escaped strings in topic and text, and keeps unicode as it is', () => {
    const topic = 'room "a"\\b/c\n\u00e9\u0001';
    const text = '{"q":"\\u00e9\\n"} \t tab \u2028 \ud83d\ude00 ✓';
    expectScanned(envelopeText(topic, '2-3', false, text), { topic, id: '2-3', binary: false, data: text });
    // Escapes JSON.stringify never writes but JSON allows: \/ and \u with upper-case hex.
    expectScanned('{"topic":"a\\/b","id":"1-2","text":"\\u00E9\\/\\b\\f\\r"}', { topic: 'a/b', id: '1-2', binary: false, data: 'é/\b\f\r' });
    expectScanned('{"topic":"ünï ☃","id":"1-2","text":"\ud83d\ude00"}', { topic: 'ünï ☃', id: '1-2', binary: false, data: '\ud83d\ude00' });
  });

  it('leaves ids of another form to the JSON path, which keeps them as strings', () => {
    for (const id of ['', '1', '1-', '-1', 'a-1', '1-a', '1-1-1', '1--1', ' 1-1', '1-1 ', '+1-1', '1.5-1', '123456789012345678901-1', '1-123456789012345678901', '\\u0031-1']) {
      const frame = `{"topic":"t","id":"${id}","text":"x"}`;
      expectLeftToJson(frame, { kind: 'message', topic: 't', id: JSON.parse(`"${id}"`) as string, binary: false, data: 'x' });
    }
    expectLeftToJson('{"topic":"t","id":1,"text":"x"}', undefined);
    expectLeftToJson('{"topic":"t","id":null,"text":"x"}', undefined);
  });

  it('leaves another key order, whitespace and duplicate keys to the JSON path', () => {
    const message = { kind: 'message', topic: 't', id: '1-2', binary: false, data: 'x' };
    expectLeftToJson('{"id":"1-2","topic":"t","text":"x"}', message);
    expectLeftToJson('{"topic":"t","text":"x","id":"1-2"}', message);
    expectLeftToJson('{"text":"x","id":"1-2","topic":"t"}', message);
    expectLeftToJson('{ "topic":"t","id":"1-2","text":"x"}', message);
    expectLeftToJson('{"topic" : "t","id":"1-2","text":"x"}', message);
    expectLeftToJson('{"topic":"t","id":"1-2","text":"x"}\n', message);
    expectLeftToJson('{"topic":"s","topic":"t","id":"1-2","text":"x"}', message);
    expectLeftToJson('{"topic":"t","id":"1-2","text":"w","text":"x"}', message);
    expectLeftToJson('{"topic":"t","id":"1-2","binary":"AA==","text":"x"}', message);
  });

  it("hands an app's own JSON with a topic field to the app: extra keys, other values, not JSON at all", () => {
    for (const frame of [
      '{"topic":"t","id":"1-2","text":"x","from":"bob"}',
      '{"topic":"t","id":"1-2","text":"x","":0}',
      '{"topic":"t","user":"bob"}',
      '{"topic":"t","id":"1-2","text":5}',
      '{"topic":"t","id":"1-2","text":"x"}}',
      '{"topic":"t","id":"1-2","text":"x"',
      '{"topic":"t","id":"1-2","text":"x}',
      '{"topic":"t","id":"1-2","text":"x\\"}',
      '{"topic":"t","id":"1-2","text":"a\nb"}',
      '{"topic":"t\u0000","id":"1-2","text":"x"}',
      '{"topic":"t","id":"1-2","text":"\\x"}',
      '{"topic":"t","id":"1-2","text":"\\u12"}',
      '{"topic":"t","id":"1-2","text":"\\u12G4"}',
      '{"topic":"t","id":"1-2","text":"\\',
      '{"topic":"t","id":"1-2","binary":"x","extra":true}',
      '{"topic":t,"id":"1-2","text":"x"}',
      '{"topic":"t","id":"1-2","texts":"x"}',
      // An id whose closing quote is replaced: `1-2x,` is not followed by a key.
      '{"topic":"t","id":"1-2x,"text":"x"}',
      '{"topic":"t","id":"1-2,"text":"x"}',
    ]) {
      expectLeftToJson(frame, undefined);
    }
  });

  it('reads seams and presence frames through the JSON path, as before', () => {
    expectLeftToJson('{"topic":"t","after":"1-2","gap":true}', { kind: 'seam', topic: 't', after: '1-2', gap: true });
    expectLeftToJson('{"topic":"t"}', { kind: 'seam', topic: 't', after: undefined, gap: false });
    expectLeftToJson('{"topic":"t","presence":"diff","joins":{},"leaves":{}}', { kind: 'diff', topic: 't', joins: {}, leaves: {} });
  });

  it('reads any frame as the JSON path does (random frames near the server shape)', () => {
    const piece = fc.oneof(
      fc.constantFrom('{', '}', '"', ',', ':', '\\', '\\"', '\\u00e9', '\\u', '\\n', '\n', ' ', '-', '0', '9', '"topic"', '"id"', '"text"', '"binary"', '"after"', 'é', '\ud83d\ude00', '\u0000'),
      fc.string({ maxLength: 4 }),
    );
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')));
    const id = fc.oneof(fc.constant(undefined), fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 21n }), fc.bigInt({ min: 0n, max: 10n ** 21n })).map(([ms, seq]) => `${ms}-${seq}`), text);
    const frame = fc.tuple(text, id, fc.boolean(), text).map(([topic, messageId, binary, data]) => envelopeText(topic, messageId, binary, data));
    // A server frame, then cut, grown or changed somewhere: most mutants are not JSON, some are other envelopes.
    const mutant = fc.tuple(frame, fc.nat(), fc.nat({ max: 3 }), fc.array(piece, { maxLength: 3 })).map(([base, at, cut, parts]) => {
      const index = at % (base.length + 1);
      return base.slice(0, index) + parts.join('') + base.slice(index + cut);
    });
    fc.assert(
      fc.property(fc.oneof(frame, mutant), (candidate) => {
        expect(plain(parseEnvelope(candidate))).toEqual(plain(parseEnvelopeJson(candidate)));
      }),
      { numRuns: 20_000 },
    );
  });
});
