// The chat every example runs, whatever the framework: what the browser may say, what everyone
// hears, and what happens to a message the room cannot accept.
//
// Wire format (JSON text messages):
//   browser → server  { type: 'say', name, text }
//   server → everyone { type: 'said', name, text, at }   (at: milliseconds since the epoch)
//   server → sender   { type: 'error', reason }           (the message was refused; still connected)
//
// Invalid input is answered, not punished: a text message that is not a valid `say` gets an
// `error` back and the connection stays open, so a typo in a hand-written client is easy to
// debug. A binary message means the peer does not speak this protocol at all: it is closed with
// 1003 (unsupported data). Messages larger than `maxMessageSize` never reach this code: upsocket
// closes the connection with 1009.
import type { Connection, OpenOptions } from 'upsocket';

/** The longest message text the room accepts, in UTF-16 code units (what `maxlength` counts). */
export const MAX_TEXT_LENGTH = 2000;
/** The longest name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 40;
/**
 * A recipient with more than this many bytes still waiting to be sent is too far behind to catch
 * up: it is closed with 1013 (try again later) rather than buffered without bound. The page
 * reconnects by itself.
 */
export const MAX_BACKLOG = 1024 * 1024;

/**
 * Options every example passes to `attach()`. The largest valid `say` is 2000 characters that
 * JSON-escape to 6 bytes each (`\u0000`), plus a name: 16 KiB leaves room for that and no more.
 */
export const chatOptions = { maxMessageSize: 16 * 1024 } satisfies OpenOptions;

/** What the room broadcasts for each accepted message. */
export interface Said {
  type: 'said';
  name: string;
  text: string;
  at: number;
}

/** What the sender of an invalid message gets back. */
export interface ChatError {
  type: 'error';
  reason: string;
}

/** A name trimmed and checked against the room's rules, or undefined when it breaks them. */
export function normalizeName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.trim();
  return name.length > 0 && name.length <= MAX_NAME_LENGTH ? name : undefined;
}

/**
 * Checks one text message against the `say` format. `sessionName`, when the app knows who is
 * logged in, replaces whatever name the message claims.
 */
export function parseSay(text: string, sessionName?: string): Omit<Said, 'at'> | ChatError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return chatError('Messages must be JSON');
  }
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'say') {
    return chatError('Expected { "type": "say", "name": string, "text": string }');
  }
  const say = value as { name?: unknown; text?: unknown };
  const name = sessionName ?? normalizeName(say.name);
  if (name === undefined) return chatError(`"name" must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
  if (typeof say.text !== 'string' || say.text.trim() === '') return chatError('"text" must be a non-empty string');
  if (say.text.length > MAX_TEXT_LENGTH) return chatError(`"text" is longer than ${MAX_TEXT_LENGTH} characters`);
  return { type: 'said', name, text: say.text };
}

/**
 * Sends `said` to every open connection, the sender included (so every browser shows the same
 * messages in the same order, stamped by the server). Nothing is awaited per recipient: a slow
 * browser's messages queue in its own buffer while everyone else's go out, and one that falls
 * more than `MAX_BACKLOG` bytes behind is closed.
 */
export function broadcast(connections: Iterable<Connection>, said: Said): void {
  const text = JSON.stringify(said);
  for (const connection of connections) {
    // A connection we or the shutdown already started closing can no longer be written to.
    if (connection.state !== 'open') continue;
    if (connection.bufferedAmount > MAX_BACKLOG) {
      void connection.close(1013, 'Too far behind: reconnect to catch up');
      continue;
    }
    connection.sendText(text);
  }
}

/**
 * Runs one browser's side of the chat until it leaves. `everyone` is who hears each message.
 * (The node:http, Express and Koa examples use rooms over topics instead: `chatInRoom()` in
 * ./chat-rooms.ts.)
 *
 * @example
 * open(req, (connection) => chat(connection, upsocket.connections))
 */
export function chat(connection: Connection, everyone: Iterable<Connection>, sessionName?: string): Promise<void> {
  return converse(connection, sessionName, (said) => broadcast(everyone, said));
}

/**
 * Reads one browser's messages until it leaves, answers invalid ones, and hands each valid `said`
 * to `deliver`, whose failure the sender hears about as an `error` (then the chat goes on).
 */
export async function converse(
  connection: Connection,
  sessionName: string | undefined,
  deliver: (said: Said) => void | Promise<void>,
): Promise<void> {
  for await (const message of connection) {
    if (message.type === 'binary') {
      await connection.close(1003, 'This chat speaks JSON text messages only');
      return;
    }
    const said = parseSay(message.text(), sessionName);
    if (said.type === 'error') {
      connection.sendJSON(said);
      // The sender is waiting on its own answer: a client that floods invalid messages without
      // reading the errors is paced by its own socket, not buffered without bound.
      await connection.flush();
      continue;
    }
    await deliver({ ...said, at: Date.now() });
  }
}

function chatError(reason: string): ChatError {
  return { type: 'error', reason };
}
