// Messages and payload bytes of every Connection, as plain integers: what `stats()` and
// upsocket/otel read when they are asked (a scrape, a `stats()` call), so the per-message path
// builds no event and calls no subscriber for them. Off until a reader starts it: until then a
// message costs one property read here.

/** @internal The counts, shared by every copy of upsocket in the process (see `messageCounts`). */
export class MessageCounts {
  /** Whether anyone reads the counts: set once by the first reader, never unset. */
  counting = false;
  messagesReceived = 0;
  messagesSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
}

const key = Symbol.for('upsocket.messageCounts');

/**
 * @internal The process's counts. One object on `globalThis` for every copy (an app that loads the
 * ESM build here and the CJS build there): upsocket/otel of one copy counts the connections of the
 * other.
 */
export const messageCounts: MessageCounts = ((globalThis as Record<symbol, MessageCounts | undefined>)[key] ??= new MessageCounts());

/** @internal Starts counting (from now on: earlier messages were not counted) and returns the counts. */
export function countMessages(): MessageCounts {
  messageCounts.counting = true;
  return messageCounts;
}
