import { isUtf8 } from 'node:buffer';
import type { TopicReplay } from '../backend.js';
import { compareIds, parseId } from '../../wire/index.js';
import { PreparedMessage } from '../prepared-message.js';
import { headerWithId } from './envelope.js';
import { publishScript, REPLAY_SCRIPT } from './history-scripts.js';
import type { RedisClient, RedisLink } from './redis-link.js';

/** The scripts, as ioredis defines them on the connection (EVALSHA, loading the script when Redis lacks it). */
interface HistoryCommands {
  upsocketPublishBuffer(key: string, channel: string, header: Buffer, payload: Buffer, maxMessages: string, maxAge: string, kind: string): Promise<Buffer>;
  /** The last id, the id before the oldest kept entry, the entries from `start`. */
  upsocketReplayBuffer(key: string, start: string, maxAge: string): Promise<[Buffer, Buffer, [Buffer, Buffer[]][]]>;
}

const NO_MESSAGES: PreparedMessage[] = [];

/**
 * @internal The Redis backend's history: one stream per topic (`<prefix><topic>`, a key, where
 * the channel of the same name is in pub/sub's own namespace), written and read by the scripts of
 * history-scripts.ts. Ids are the stream entry ids.
 */
export class RedisHistory {
  readonly #client: RedisClient & HistoryCommands;
  readonly #maxMessages: string;
  readonly #maxAge: string;

  constructor(link: RedisLink, bounds: { maxMessages: number; maxAge: number }) {
    // With a cluster, ioredis sends each script to the node of KEYS[1]'s slot.
    const client = link.publisher;
    client.defineCommand('upsocketPublish', { numberOfKeys: 1, lua: publishScript(link.publishCommand) });
    client.defineCommand('upsocketReplay', { numberOfKeys: 1, lua: REPLAY_SCRIPT });
    this.#client = client as RedisClient & HistoryCommands;
    this.#maxMessages = String(bounds.maxMessages);
    this.#maxAge = bounds.maxAge === Infinity ? '0' : String(bounds.maxAge);
  }

  /** Adds the message to the topic's stream and publishes it with its id, in one step; resolves with the id. */
  async publish(key: string, channel: string, origin: Buffer, message: PreparedMessage): Promise<string> {
    const kind = message.type === 'binary' ? 'b' : 't';
    const id = await this.#client.upsocketPublishBuffer(key, channel, headerWithId(origin, message), message.payload, this.#maxMessages, this.#maxAge, kind);
    return id.toString('latin1');
  }

  async replay(key: string, since: string | undefined): Promise<TopicReplay> {
    const valid = since !== undefined && parseId(since) !== undefined;
    const start = since === undefined ? '' : valid ? `(${since}` : '-';
    const [lastBuffer, droppedBuffer, entries] = await this.#client.upsocketReplayBuffer(key, start, this.#maxAge);
    const last = lastBuffer.length === 0 ? undefined : lastBuffer.toString('latin1');
    if (since === undefined) return { messages: NO_MESSAGES, last, gap: false };
    const messages = entries.map(toMessage).filter((message) => message !== undefined);
    // Not an id, no stream (never written, or deleted), or an id this stream never gave.
    if (!valid || last === undefined || compareIds(since, last) > 0) return { messages, last, gap: true };
    // Something after `since` was dropped when the entry before the oldest kept one came after it.
    return { messages, last, gap: compareIds(since, droppedBuffer.toString('latin1')) < 0 };
  }
}

/** A stream entry as a message; undefined for an entry upsocket did not write. */
function toMessage([id, fields]: [Buffer, Buffer[]]): PreparedMessage | undefined {
  let kind: string | undefined;
  let payload: Buffer | undefined;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const name = fields[index]!.toString('latin1');
    if (name === 'k') kind = fields[index + 1]!.toString('latin1');
    else if (name === 'p') payload = fields[index + 1];
  }
  if (payload === undefined || (kind !== 't' && kind !== 'b') || (kind === 't' && !isUtf8(payload))) return undefined;
  return new PreparedMessage(kind === 't' ? 'text' : 'binary', payload, id.toString('latin1'));
}
