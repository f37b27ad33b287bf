/** The two echo payloads of the suite. */
export type PayloadKind = 'text64' | 'binary16k';

export function makePayload(kind: PayloadKind): string | Buffer {
  if (kind === 'text64') return 'x'.repeat(64);
  const bytes = Buffer.alloc(16 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
  return bytes;
}
