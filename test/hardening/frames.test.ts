// Frames no honest client sends, written to the socket by hand. Each must close only the offending
// connection, with the close code RFC 6455 asks for, tell its handler the same code through a
// ClosedError, and leave the server serving everyone else.
import { describe, expect, it } from 'vitest';
import { closeFrameOf, closePayload, frameHeader, socketClosed } from '../helpers/hostile-client.js';
import { encodeFrame } from '../helpers/raw-client.js';
import { until } from '../helpers/server.js';
import { expectClosedError, startTarget } from './target.js';

const text = (value: string) => Buffer.from(value);

interface Violation {
  name: string;
  frames: Buffer[];
  /** The close code on the wire and in the handler's ClosedError. */
  code: number;
}

const violations: Violation[] = [
  { name: 'RSV1 set with no extension negotiated', frames: [encodeFrame(1, text('x'), { rsv: 0b100 })], code: 1002 },
  { name: 'RSV2 set', frames: [encodeFrame(1, text('x'), { rsv: 0b010 })], code: 1002 },
  { name: 'RSV3 set on a ping', frames: [encodeFrame(9, text('x'), { rsv: 0b001 })], code: 1002 },
  { name: 'unknown data opcode 0x3', frames: [encodeFrame(0x3, text('x'))], code: 1002 },
  { name: 'unknown control opcode 0xB', frames: [encodeFrame(0xb, text('x'))], code: 1002 },
  { name: 'unmasked client frame', frames: [encodeFrame(1, text('x'), { mask: false })], code: 1002 },
  { name: 'fragmented control frame (ping without FIN)', frames: [encodeFrame(9, text('x'), { fin: false })], code: 1002 },
  { name: 'ping with a 126-byte payload', frames: [encodeFrame(9, Buffer.alloc(126))], code: 1002 },
  { name: 'close frame with a 200-byte payload', frames: [encodeFrame(8, closePayload(1000, 'r'.repeat(198)))], code: 1002 },
  { name: 'invalid UTF-8 in a text message', frames: [encodeFrame(1, Buffer.from([0x68, 0xc3, 0x28]))], code: 1007 },
  { name: 'overlong UTF-8 encoding of "/"', frames: [encodeFrame(1, Buffer.from([0xc0, 0xaf]))], code: 1007 },
  { name: 'UTF-8-encoded surrogate half', frames: [encodeFrame(1, Buffer.from([0xed, 0xa0, 0x80]))], code: 1007 },
  {
    name: 'invalid UTF-8 only visible once fragments are joined',
    frames: [encodeFrame(1, Buffer.from([0xe2, 0x82]), { fin: false }), encodeFrame(0, Buffer.from([0x28]))],
    code: 1007,
  },
  { name: 'continuation frame with nothing to continue', frames: [encodeFrame(0, text('orphan'))], code: 1002 },
  {
    name: 'new text frame in the middle of a fragmented message',
    frames: [encodeFrame(1, text('a'), { fin: false }), encodeFrame(1, text('b'))],
    code: 1002,
  },
  { name: 'close code 1005 (reserved, never sent)', frames: [encodeFrame(8, closePayload(1005))], code: 1002 },
  { name: 'close code 999', frames: [encodeFrame(8, closePayload(999))], code: 1002 },
  { name: 'close code 2999', frames: [encodeFrame(8, closePayload(2999))], code: 1002 },
  { name: 'close code 5000', frames: [encodeFrame(8, closePayload(5000))], code: 1002 },
  { name: 'close frame with a 1-byte payload', frames: [encodeFrame(8, Buffer.from([0x03]))], code: 1002 },
  { name: 'close reason that is not UTF-8', frames: [encodeFrame(8, closePayload(1000, Buffer.from([0xff])))], code: 1007 },
  { name: 'length header claiming 2^63 bytes', frames: [frameHeader(2, 2n ** 63n)], code: 1009 },
  { name: 'length header claiming 2^53 - 1 bytes', frames: [frameHeader(2, 2n ** 53n - 1n)], code: 1009 },
];

describe('protocol violations close only the offender, with the right code on both sides', () => {
  for (const violation of violations) {
    it(violation.name, async () => {
      const target = await startTarget();
      const attacker = await target.attacker('attacker');
      for (const frame of violation.frames) attacker.send(frame);

      const outcome = await target.outcome('attacker');
      expectClosedError(outcome.ended, violation.code);
      expect(outcome.closed.code).toBe(violation.code);
      expect(outcome.connection.state).toBe('closed');
      expect((await closeFrameOf(attacker)).code).toBe(violation.code);
      await socketClosed(attacker.socket);
      expect(target.upsocket.connections.size).toBe(0);
      await target.assertStillServing();
    });
  }
});

describe('message size: maxMessageSize', () => {
  const maxMessageSize = 1024;

  it('accepts a message of exactly maxMessageSize bytes, whole or in fragments', async () => {
    const target = await startTarget({ maxMessageSize });
    const client = await target.attacker('echo-at-limit');
    const whole = Buffer.alloc(maxMessageSize, 0x61);
    client.send(encodeFrame(2, whole));
    client.send(encodeFrame(2, whole.subarray(0, 1000), { fin: false }));
    client.send(encodeFrame(0, whole.subarray(1000)));
    await until(() => client.frames.length === 2, 5000, 'both echoes');
    expect(client.frames.map((frame) => [frame.opcode, frame.payload.equals(whole)])).toEqual([[2, true], [2, true]]);
    client.send(encodeFrame(8, closePayload(1000)));
    const outcome = await target.outcome('echo-at-limit');
    expect(outcome.ended).toBeNull();
    expect(outcome.messages.map((message) => message.data.equals(whole))).toEqual([true, true]);
    await target.assertStillServing();
  });

  for (const [name, frames] of [
    ['one byte over, in one frame', [encodeFrame(2, Buffer.alloc(maxMessageSize + 1))]],
    ['one byte over, across fragments', [encodeFrame(1, text('a'.repeat(1000)), { fin: false }), encodeFrame(0, text('a'.repeat(25)))]],
    ['a header announcing one byte over, before any payload', [frameHeader(2, BigInt(maxMessageSize + 1))]],
  ] as const) {
    it(`closes with 1009 for a message ${name}`, async () => {
      const target = await startTarget({ maxMessageSize });
      const attacker = await target.attacker('attacker');
      for (const frame of frames) attacker.send(frame);
      const outcome = await target.outcome('attacker');
      expectClosedError(outcome.ended, 1009);
      expect(outcome.messages).toEqual([]);
      expect((await closeFrameOf(attacker)).code).toBe(1009);
      await socketClosed(attacker.socket);
      await target.assertStillServing();
    });
  }
});

describe('fragmentation', () => {
  it('reassembles 5,000 one-byte fragments of one message, with pings in between', async () => {
    const target = await startTarget();
    const client = await target.attacker('fragments');
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => 0x61 + (i % 26)));
    const frames: Buffer[] = [];
    for (let i = 0; i < payload.length; i++) {
      frames.push(encodeFrame(i === 0 ? 1 : 0, payload.subarray(i, i + 1), { fin: i === payload.length - 1 }));
      if (i % 1000 === 500) frames.push(encodeFrame(9, text(`ping ${i}`)));
    }
    client.send(Buffer.concat(frames));
    client.send(encodeFrame(8, closePayload(1000)));
    const outcome = await target.outcome('fragments');
    expect(outcome.ended).toBeNull();
    expect(outcome.messages.map((message) => message.text())).toEqual([payload.toString()]);
    expect(client.frames.filter((frame) => frame.opcode === 10).map((frame) => frame.payload.toString())).toEqual(
      ['ping 500', 'ping 1500', 'ping 2500', 'ping 3500', 'ping 4500'],
    );
    await target.assertStillServing();
  });

  for (const [name, size] of [
    ['one-byte', 1],
    ['empty', 0],
  ] as const) {
    it(`closes with 1008 a message split into 20,000 ${name} fragments (ws buffers at most 16,384)`, async () => {
      const target = await startTarget();
      const attacker = await target.attacker('attacker');
      const fragment = encodeFrame(0, Buffer.alloc(size, 0x78), { fin: false });
      attacker.send(Buffer.concat([encodeFrame(1, text('x'), { fin: false }), ...Array.from({ length: 20_000 }, () => fragment)]));
      const outcome = await target.outcome('attacker');
      expectClosedError(outcome.ended, 1008);
      expect(outcome.messages).toEqual([]);
      expect((await closeFrameOf(attacker)).code).toBe(1008);
      await socketClosed(attacker.socket);
      await target.assertStillServing();
    });
  }
});
