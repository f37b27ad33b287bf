import type { PreparedMessage } from './prepared-message.js';
import type { TopicListener } from './backend.js';

/**
 * @internal The listeners of each topic inside one backend: what `subscribe()`/`unsubscribe()`
 * change and local delivery walks. `add` and `delete` say when a topic gained its first listener or
 * lost its last one, which is when a backend has to tell its service.
 */
export class TopicListeners {
  readonly #byTopic = new Map<string, Set<TopicListener>>();

  /** True when `listener` is the topic's first. */
  add(topic: string, listener: TopicListener): boolean {
    const listeners = this.#byTopic.get(topic);
    if (listeners === undefined) {
      this.#byTopic.set(topic, new Set([listener]));
      return true;
    }
    listeners.add(listener);
    return false;
  }

  /** True when `listener` was the topic's last. */
  delete(topic: string, listener: TopicListener): boolean {
    const listeners = this.#byTopic.get(topic);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return false;
    this.#byTopic.delete(topic);
    return true;
  }

  has(topic: string, listener?: TopicListener): boolean {
    const listeners = this.#byTopic.get(topic);
    return listeners !== undefined && (listener === undefined || listeners.has(listener));
  }

  /** Calls every listener of `topic`; nothing at all happens for a topic nobody listens to. */
  emit(topic: string, message: PreparedMessage): void {
    const listeners = this.#byTopic.get(topic);
    if (listeners === undefined) return;
    for (const listener of listeners) listener(topic, message);
  }

  topics(): IterableIterator<string> {
    return this.#byTopic.keys();
  }

  clear(): void {
    this.#byTopic.clear();
  }
}
