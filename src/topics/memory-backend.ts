import { UpsocketError } from '../core/index.js';
import type { TopicBackend, TopicListener } from './backend.js';
import { TopicListeners } from './listeners.js';
import type { PreparedMessage } from './prepared-message.js';

const resolved = Promise.resolve();

class MemoryBackend implements TopicBackend {
  readonly #listeners = new TopicListeners();
  #closed = false;

  publish(topic: string, message: PreparedMessage): Promise<void> {
    this.#assertOpen('publish');
    this.#listeners.emit(topic, message);
    return resolved;
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
    this.#listeners.clear();
    return resolved;
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: the memory backend was closed`);
  }
}

/**
 * The backend for one process, and the default of `createTopics()`: `publish()` reaches the
 * subscribers in this process only. Nothing to install, nothing that can be unreachable: its
 * promises always resolve.
 *
 * @example
 * const topics = createTopics({ backend: createMemoryBackend() }) // the same as createTopics()
 */
export function createMemoryBackend(): TopicBackend {
  return new MemoryBackend();
}
