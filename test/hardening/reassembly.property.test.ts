// Property: however a client fragments valid messages, interleaves pings between the fragments,
// and however TCP splits the bytes, the handler reads exactly the messages that were sent, in
// order, and every ping is answered with its own payload.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closePayload } from '../helpers/hostile-client.js';
import { encodeFrame, RawClient } from '../helpers/raw-client.js';
import { delay, until } from '../helpers/server.js';
import { startTarget } from './target.js';

interface SentMessage {
  type: 'text' | 'binary';
  payload: Buffer;
  /** Cut points inside the payload: one fragment per span. */
  cuts: number[];
  /** Ping payloads to send before fragment i (by index; extras go after the last). */
  pings: Buffer[][];
}

const message: fc.Arbitrary<SentMessage> = fc
  .oneof(
    // Text of any code points (multi-byte UTF-8 gets cut mid-character: only whole messages must be valid).
    fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ type: 'text' as const, payload: Buffer.from(text) })),
    fc.uint8Array({ maxLength: 3000 }).map((bytes) => ({ type: 'binary' as const, payload: Buffer.from(bytes) })),
  )
  .chain(({ type, payload }) =>
    fc.record({
      type: fc.constant(type),
      payload: fc.constant(payload),
      cuts: fc.uniqueArray(fc.integer({ min: 0, max: payload.length }), { maxLength: 8 }).map((cuts) => cuts.sort((a, b) => a - b)),
      // At most 8 pings per message, 48 per run: ws drops a peer with more than 60 pongs unsent.
      pings: fc.array(fc.array(fc.uint8Array({ maxLength: 125 }).map((bytes) => Buffer.from(bytes)), { maxLength: 2 }), { maxLength: 4 }),
    }),
  );

/** The frames of one message: its fragments (a cut may repeat a position: an empty fragment), with pings in between. */
function framesOf(sent: SentMessage): { frames: Buffer[]; pings: Buffer[] } {
  const bounds = [0, ...sent.cuts, sent.payload.length];
  const frames: Buffer[] = [];
  const pings: Buffer[] = [];
  const spans = bounds.length - 1;
  for (let i = 0; i < spans; i++) {
    for (const ping of sent.pings[i] ?? []) {
      frames.push(encodeFrame(9, ping));
      pings.push(ping);
    }
    const opcode = i === 0 ? (sent.type === 'text' ? 1 : 2) : 0;
    frames.push(encodeFrame(opcode, sent.payload.subarray(bounds[i], bounds[i + 1]), { fin: i === spans - 1 }));
  }
  return { frames, pings };
}

/** Splits `bytes` at the given fractions into TCP writes. */
function chunksOf(bytes: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((fraction) => Math.floor(fraction * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

describe('reassembly (property-based)', () => {
  it('random fragmentation, interleaved pings and TCP splits always reassemble into the messages sent', async () => {
    const target = await startTarget();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.boolean(),
        async (messages, splits, pauseBetweenChunks) => {
          const room = `property-${++run}`;
          const client = await RawClient.open(target.port, `/rooms/${room}`);
          await client.upgraded();
          const encoded = messages.map(framesOf);
          const bytes = Buffer.concat(encoded.flatMap(({ frames }) => frames));
          for (const chunk of chunksOf(bytes, splits)) {
            client.send(chunk);
            if (pauseBetweenChunks) await delay(1);
          }
          client.send(encodeFrame(8, closePayload(1000)));

          const outcome = await target.outcome(room);
          expect(outcome.ended).toBeNull();
          expect(outcome.messages.map((received) => ({ type: received.type, payload: received.data }))).toEqual(
            messages.map(({ type, payload }) => ({ type, payload })),
          );
          const expectedPongs = encoded.flatMap(({ pings }) => pings);
          await until(() => client.frames.some((frame) => frame.opcode === 8), 5000, 'the close frame');
          expect(client.frames.filter((frame) => frame.opcode === 10).map((frame) => frame.payload)).toEqual(expectedPongs);
          client.socket.destroy();
        },
      ),
      { numRuns: 150 },
    );
    expect(target.upsocket.connections.size).toBe(0);
  });
});
