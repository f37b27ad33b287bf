// The chat demo's rooms send upsocket's topic envelope (history and resume are on): the app's
// message is the envelope's `text`, and a seam marker follows every subscribe. Plain messages (an
// `error` to the sender alone) come as they are.

/** The app's message in one frame of the demo, or undefined for a seam marker. */
export function roomMessage(text: string): Record<string, unknown> | undefined {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value.topic !== 'string') return value;
  return typeof value.text === 'string' ? (JSON.parse(value.text) as Record<string, unknown>) : undefined;
}

/** The next app message from `next()` (a client's next text frame), skipping seam markers. */
export async function nextRoomMessage(next: () => Promise<string>): Promise<Record<string, unknown>> {
  for (;;) {
    const message = roomMessage(await next());
    if (message !== undefined) return message;
  }
}
