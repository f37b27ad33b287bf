import { UpsocketError } from '../core/index.js';
import type { TopicBackend, TopicListener, TopicReplay } from './backend.js';
import { TopicListeners } from './listeners.js';
import { MemoryHistory } from './memory-history.js';
import { MemoryPresence } from './memory-presence.js';
import type { PreparedMessage } from './prepared-message.js';

const resolved: Promise<undefined> = Promise.resolve(undefined);

class MemoryBackend implements TopicBackend {
  readonly #listeners = new TopicListeners();
  readonly presence = new MemoryPresence();
  /** Set by keepHistory(): then every message gets an id and is kept. */
  #history: MemoryHistory | undefined;
  #closed = false;

  publish(topic: string, message: PreparedMessage): Promise<string | undefined> {
    this.#assertOpen('publish');
    // Without history, the one shared resolved promise: publishing allocates nothing here.
    if (this.#history === undefined) {
      this.#listeners.emit(topic, message);
      return resolved;
    }
    const sequenced = this.#history.append(topic, message);
    this.#listeners.emit(topic, sequenced);
    return Promise.resolve(sequenced.id);
  }

  keepHistory(bounds: { maxMessages: number; maxAge: number }): void {
    this.#history = new MemoryHistory(bounds.maxMessages, bounds.maxAge);
  }

  replay(topic: string, since: string | undefined): Promise<TopicReplay> {
    this.#assertOpen('replay');
    if (this.#history === undefined) throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'replay() needs history: call keepHistory() first');
    return Promise.resolve(this.#history.replay(topic, since));
  }

  subscribe(topic: string, listener: TopicListener): Promise<void> {
    this.#assertOpen('subscribe');
    this.#listeners.add(topic, listener);
    return resolved;
  }

  unsubscribe(topic: string, listener: TopicListener): Promise<void> {
    this.#listeners.delete(topic, listener);
    return resolved;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#history = undefined;
    this.#listeners.clear();
    this.presence.clear();
    return resolved;
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: the memory backend was closed`);
  }
}

/**
 * The backend for one process, and the default of `createTopics()`: `publish()` reaches the
 * subscribers in this process only. Nothing to install, nothing that can be unreachable: its
 * promises always resolve. With `createTopics({ history })` it keeps each topic's recent messages
 * in memory, with ids `<epoch>-<seq>` where the epoch is the time the topics were created.
 *
 * @example
 * const topics = createTopics({ backend: createMemoryBackend() }) // the same as createTopics()
 */
export function createMemoryBackend(): TopicBackend {
  return new MemoryBackend();
}
