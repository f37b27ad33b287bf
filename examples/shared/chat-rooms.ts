// The chat's rooms, built on upsocket's topics: each room is the topic `room:<name>`, everyone in
// a room is subscribed to it, and each message is published to it. With REDIS_URL set, the topics
// go through Redis, so browsers connected to different processes (several `npm start`s on
// different PORTs, or a cluster) share their rooms.
//
// Nothing is lost across a reconnect: the topics keep each room's last 1000 messages and send them
// in upsocket's envelope (each with an id), the page's browser client (upsocket/browser) asks for
// what came after the last id it has when it reconnects, and the room replays it before going live.
// In memory that survives a dropped connection; with REDIS_URL it survives a server restart too
// (the history is a Redis stream), even for messages said on another server while this one was down.
import { createTopics, resumePoints, UpsocketError, type Connection, type Topics } from 'upsocket';
import { createRedisBackend } from 'upsocket/redis';
import { converse, MAX_BACKLOG, type ChatError } from './chat-room.js';

/** Where `/chat` without a room name goes, and the page's room when its URL names none. */
export const DEFAULT_ROOM = 'lobby';

const ROOM_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/** The room a `/chat/:room` route names (DEFAULT_ROOM for plain `/chat`), or undefined if the name is invalid. */
export function roomName(param: unknown): string | undefined {
  if (param === undefined) return DEFAULT_ROOM;
  return typeof param === 'string' && ROOM_NAME.test(param) ? param : undefined;
}

/** How many of each room's messages are kept for browsers that reconnect. */
export const ROOM_HISTORY = 1000;

/**
 * The topics every room lives on: in this process, or through Redis at `redisUrl` (default: the
 * REDIS_URL environment variable), with a history of ROOM_HISTORY messages per room, delivered in
 * the envelope. A browser more than MAX_BACKLOG bytes behind is closed with 1013 by the topics,
 * and the page reconnects by itself and catches up from the history.
 */
export function createChatTopics(redisUrl = process.env.REDIS_URL): Topics {
  const backend = redisUrl ? createRedisBackend({ url: redisUrl }) : undefined;
  return createTopics({ backend, maxBufferedAmount: MAX_BACKLOG, history: { maxMessages: ROOM_HISTORY }, envelope: true });
}

function say(connection: Connection, reason: string): void {
  if (connection.state === 'open') connection.sendJSON({ type: 'error', reason } satisfies ChatError);
}

function isOutage(error: unknown): boolean {
  return error instanceof UpsocketError && error.code === 'UPSOCKET_BACKEND_UNAVAILABLE';
}

/**
 * Runs one browser's side of the chat in `room` until it leaves: everyone in the room, in any
 * process sharing the topics' backend, hears what it says, the sender included. A browser that
 * reconnects (its upgrade URL carries `upsocket-resume`) first gets what it missed.
 *
 * @example
 * open(req, (connection) => chatInRoom(connection, topics, 'lobby'))
 */
export async function chatInRoom(connection: Connection, topics: Topics, room: string, sessionName?: string): Promise<void> {
  const topic = `room:${room}`;
  try {
    // The room's name is checked already, and every room is open to everyone: any resume point may be honoured.
    await topics.subscribe(connection, topic, { since: resumePoints(connection.request)[topic] });
  } catch (error) {
    if (!isOutage(error)) throw error;
    // Subscribed here already; the other servers' messages follow once Redis is back.
    say(connection, 'Only this server can be reached right now: you hear people on it alone');
  }
  await converse(connection, sessionName, async (said) => {
    try {
      await topics.publish(topic, said);
    } catch (error) {
      if (!isOutage(error)) throw error;
      say(connection, 'Only people on this server got that: the other servers cannot be reached');
    }
  });
}
