import { isUtf8 } from 'node:buffer';
import type { TopicReplay } from '../backend.js';
import { parseId } from '../../wire/index.js';
import { PreparedMessage } from '../prepared-message.js';
import { headerWithId } from './envelope.js';
import { publishScript, REPLAY_SCRIPT } from './history-scripts.js';
import type { RedisClient, RedisLink } from './redis-link.js';

/** The scripts, as ioredis defines them on the connection (EVALSHA, loading the script when Redis lacks it). */
interface HistoryCommands {
  upsocketPublishBuffer(key: string, channel: string, header: Buffer, payload: Buffer, maxMessages: string, maxAge: string, kind: string): Promise<Buffer>;
  /** The last id, whether there is a gap (1) or not (0), the entries after `since` (REPLAY_SCRIPT). */
  upsocketReplayBuffer(key: string, since: string, maxAge: string): Promise<[Buffer, number, [Buffer, Buffer[]][]]>;
}

const NO_MESSAGES: PreparedMessage[] = [];

/** @internal A replay of the Redis history: its `last` is always an id of the stream (see REPLAY_SCRIPT). */
export type StreamReplay = TopicReplay & { last: string };

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

  /**
   * What the topic's stream keeps after `since`; `last` is always an id of this stream, since a
   * missing stream is created with an anchor (see REPLAY_SCRIPT).
   */
  async replay(key: string, since: string | undefined): Promise<StreamReplay> {
    const [lastBuffer, gap, entries] = await this.#client.upsocketReplayBuffer(key, sinceArgument(since), this.#maxAge);
    const last = lastBuffer.toString('latin1');
    if (since === undefined) return { messages: NO_MESSAGES, last, gap: false };
    return { messages: entries.map(toMessage).filter((message) => message !== undefined), last, gap: gap === 1 };
  }
}

/**
 * REPLAY_SCRIPT's first argument: '' without `since`, '-' for what is not a stream id Redis
 * takes (malformed, or a part over 2^53, which XRANGE may refuse), else `since` itself.
 */
function sinceArgument(since: string | undefined): string {
  if (since === undefined) return '';
  const position = parseId(since);
  return position === undefined || position.ms > Number.MAX_SAFE_INTEGER || position.seq > Number.MAX_SAFE_INTEGER ? '-' : since;
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
