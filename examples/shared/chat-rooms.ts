// The chat's rooms, built on upsocket's topics: each room is the topic `room:<name>`, everyone in
// a room is subscribed to it, and each message is published to it. With REDIS_URL set, the topics
// go through Redis, so browsers connected to different processes (several `npm start`s on
// different PORTs, or a cluster) share their rooms.
import { createTopics, UpsocketError, type Connection, type Topics } from 'upsocket';
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

/**
 * The topics every room lives on: in this process, or through Redis at `redisUrl` (default: the
 * REDIS_URL environment variable). A browser more than MAX_BACKLOG bytes behind is closed with
 * 1013 by the topics, and the page reconnects by itself.
 */
export function createChatTopics(redisUrl = process.env.REDIS_URL): Topics {
  const backend = redisUrl ? createRedisBackend({ url: redisUrl }) : undefined;
  return createTopics({ backend, maxBufferedAmount: MAX_BACKLOG });
}

function say(connection: Connection, reason: string): void {
  if (connection.state === 'open') connection.sendJSON({ type: 'error', reason } satisfies ChatError);
}

function isOutage(error: unknown): boolean {
  return error instanceof UpsocketError && error.code === 'UPSOCKET_BACKEND_UNAVAILABLE';
}

/**
 * Runs one browser's side of the chat in `room` until it leaves: everyone in the room, in any
 * process sharing the topics' backend, hears what it says, the sender included.
 *
 * @example
 * open(req, (connection) => chatInRoom(connection, topics, 'lobby'))
 */
export async function chatInRoom(connection: Connection, topics: Topics, room: string, sessionName?: string): Promise<void> {
  const topic = `room:${room}`;
  try {
    await topics.subscribe(connection, topic);
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
