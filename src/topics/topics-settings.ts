import { UpsocketError } from '../core/index.js';
import type { TopicBackend, TopicGapListener } from './backend.js';
import { createMemoryBackend } from './memory-backend.js';
import { historyOptions, presenceOptions, topicsOptions, type TopicGap, type TopicsOptions } from './topics-options.js';

/** What `createTopics()`'s options come to: what `Topics` keeps. */
export interface TopicsSettings {
  backend: TopicBackend;
  maxBufferedAmount: number;
  /** Whether the backend keeps history: then messages have ids and subscribe() replays. */
  history: boolean;
  envelope: boolean;
  gap: (topic: string, gap: TopicGap) => void;
  presence: { interval: number; grace: number };
}

/** `onGap`'s default: raw subscribers were told nothing, so say it somewhere. */
function logGap(topic: string, { after, raw }: TopicGap): void {
  if (raw.length === 0) return;
  console.error(`upsocket: ${raw.length} raw subscriber(s) of topic "${topic}" missed messages after ${after ?? 'its start'} that the history no longer had; set createTopics({ onGap }) to resync them`);
}

/** @internal The settings of `options`, the backend told to keep history when asked for (with `onGap` for what it loses); throws when it cannot. */
export function topicsSettings(options: TopicsOptions | undefined, onGap: TopicGapListener): TopicsSettings {
  const resolvedOptions = topicsOptions.resolve('createTopics()', options);
  const { backend = createMemoryBackend(), maxBufferedAmount, history, envelope, onGap: gap = logGap } = resolvedOptions;
  const presence = presenceOptions.resolve('createTopics() presence', resolvedOptions.presence);
  if (history === undefined) return { backend, maxBufferedAmount, history: false, envelope, gap, presence };
  if (backend.keepHistory === undefined || backend.replay === undefined) {
    throw new UpsocketError(
      'UPSOCKET_INVALID_OPTION',
      'createTopics(): history needs a backend that keeps history (with keepHistory() and replay()), and this one does not: the memory and Redis backends do',
    );
  }
  backend.keepHistory(historyOptions.resolve('createTopics() history', history), onGap);
  return { backend, maxBufferedAmount, history: true, envelope, gap, presence };
}
