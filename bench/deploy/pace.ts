// The publisher's clock (contract.ts, "Publisher process"), shared by every stack: slot n of
// `rate` per second goes to topic n mod topics with that topic's next seq; slots are due on the
// clock from the start, so a stall is caught up and the rate does not drift.
import { topicName, type PublisherMark } from './contract.js';

export interface Pacer {
  start(): void;
  mark(): PublisherMark;
  /** Stops publishing and resolves with the final seqs once every publish call settled. */
  stop(): Promise<PublisherMark>;
}

export function pacePublishing(publish: (topic: string, text: string) => Promise<unknown>, encode: (topic: string, seq: number, at: number) => string): Pacer {
  const topics = Number(process.env.DEPLOY_TOPICS ?? 20);
  const rate = Number(process.env.DEPLOY_RATE ?? 200);
  const seqs: Record<string, number> = {};
  for (let k = 0; k < topics; k++) seqs[topicName(k)] = 0;
  const pending = new Set<Promise<unknown>>();
  let slot = 0;
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  const now = (): number => performance.timeOrigin + performance.now();

  const tick = (): void => {
    const due = Math.floor(((now() - startedAt) * rate) / 1000);
    for (; slot < due; slot++) {
      const topic = topicName(slot % topics);
      const seq = ++seqs[topic]!;
      const sent = publish(topic, encode(topic, seq, now())).catch((error: unknown) => {
        failures++;
        if (failures <= 5) console.error(`deploy publisher: ${topic} ${seq}:`, error);
      });
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    }
  };
  const mark = (): PublisherMark => ({ seqs: { ...seqs }, at: now(), published: slot });
  return {
    start() {
      startedAt = now();
      timer = setInterval(tick, 5);
    },
    mark,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return mark();
    },
  };
}
