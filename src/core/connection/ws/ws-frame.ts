import * as ws from 'ws';
import type { SharedMessage } from '../shared-message.js';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

/** ws's `Sender`, which frames every message ws sends; ws exports it (`Sender`) but @types/ws does not type it. */
interface SenderClass {
  frame(data: Buffer, options: FrameOptions): Buffer[];
}

const TEXT = 0x1;
const BINARY = 0x2;

function buildServerFrame(message: SharedMessage): Buffer {
  const { Sender } = ws as unknown as { Sender: SenderClass };
  const parts = Sender.frame(message.payload, {
    fin: true,
    opcode: message.type === 'binary' ? BINARY : TEXT,
    mask: false,
    readOnly: true,
    rsv1: false,
  });
  // Header and payload in one buffer: one write per socket instead of two.
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * @internal The server-to-client WebSocket frame of `message` (unmasked, uncompressed, final),
 * built on the first call and kept by the message: a broadcast builds it once and writes the
 * same bytes to every subscriber's socket.
 */
export function serverFrameOf(message: SharedMessage): Buffer {
  return message.frame(buildServerFrame);
}
