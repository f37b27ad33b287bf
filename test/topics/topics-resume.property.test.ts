// Property: however publishes interleave with a subscribe that resumes from `since` (before it,
// in the same tick, after microtasks, after I/O turns), the subscriber receives every message
// after `since` exactly once and in order, then the live ones, and reports a gap only when
// messages after `since` were dropped by the history's bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createTopics, type SubscribeResult } from '../../src/index.js';
import { nextEnvelope, startHistoryServer, type Enveloped } from './history-server.js';

type Step = 'publish' | 'microtask' | 'immediate';

interface Plan {
  /** Published before the client connects. */
  before: number;
  /** Where the client resumes from: a sequence number up to `before`, or no since at all. */
  since: number | undefined;
  /** Run by the server right after calling subscribe(), without awaiting it. */
  steps: Step[];
  /** Published once subscribe() resolved. */
  after: number;
}

const MAX_MESSAGES = 6;

const plans: fc.Arbitrary<Plan> = fc
  .record({
    before: fc.integer({ min: 0, max: 12 }),
    steps: fc.array(fc.constantFrom<Step>('publish', 'publish', 'microtask', 'immediate'), { maxLength: 16 }),
    after: fc.integer({ min: 1, max: 3 }),
  })
  .chain((plan) => fc.record({ since: fc.option(fc.integer({ min: 0, max: plan.before }), { nil: undefined }) }).map(({ since }) => ({ ...plan, since })));

const seqOf = (id: string): number => Number(id.split('-')[1]);

describe('topics history: publishes racing a resuming subscribe', () => {
  it('leave no gap and no duplicate at the seam', async () => {
    const backend = createMemoryBackend();
    const topics = createTopics({ backend, history: { maxMessages: MAX_MESSAGES }, envelope: true });
    const running = new Map<string, Plan>();
    const results = new Map<string, SubscribeResult>();
    const { join } = await startHistoryServer(topics, async (connection, topic, options) => {
      const plan = running.get(topic)!;
      const subscribed = topics.subscribe(connection, topic, options);
      for (const step of plan.steps) {
        if (step === 'publish') void topics.publish(topic, 'during');
        else if (step === 'microtask') await Promise.resolve();
        else await new Promise((resolve) => setImmediate(resolve));
      }
      const result = await subscribed;
      results.set(topic, result);
      for (let index = 0; index < plan.after; index++) await topics.publish(topic, 'after');
      connection.sendText('{"done":true}');
      return result;
    });
    // The epoch every id of these topics starts with.
    let epoch = '';
    await backend.subscribe('probe', (_topic, message) => void (epoch = message.id!.split('-')[0]!));
    await topics.publish('probe', 'x');

    let run = 0;
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        const topic = `race-${run++}`;
        running.set(topic, plan);
        for (let index = 0; index < plan.before; index++) await topics.publish(topic, 'before');
        const total = plan.before + plan.steps.filter((step) => step === 'publish').length + plan.after;
        const client = await join(topic, plan.since === undefined ? undefined : `${epoch}-${plan.since}`);
        const frames: Enveloped[] = [];
        for (;;) {
          const frame = await nextEnvelope(client, 3000);
          if ((frame as { done?: boolean }).done === true) break;
          frames.push(frame);
        }
        client.ws.terminate();

        const seamAt = frames.findIndex((frame) => frame.id === undefined);
        expect(seamAt).toBeGreaterThanOrEqual(0);
        expect(frames.filter((frame) => frame.id === undefined)).toHaveLength(1);
        const seam = frames[seamAt]!;
        const replayed = frames.slice(0, seamAt).map((frame) => seqOf(frame.id!));
        const live = frames.slice(seamAt + 1).map((frame) => seqOf(frame.id!));
        const received = [...replayed, ...live];
        const gap = seam.gap === true;
        expect(results.get(topic)?.gap).toBe(gap);

        // Contiguous, increasing, up to the last message published.
        expect(received.at(-1)).toBe(total);
        received.forEach((seq, index) => index > 0 && expect(seq).toBe(received[index - 1]! + 1));
        // The seam sits between the replayed messages and the live ones.
        const after = seam.after === undefined ? 0 : seqOf(seam.after);
        expect(seam.after === undefined || seam.after.startsWith(`${epoch}-`)).toBe(true);
        for (const seq of replayed) expect(seq).toBeLessThanOrEqual(after);
        for (const seq of live) expect(seq).toBeGreaterThan(after);
        if (plan.since === undefined) {
          expect(replayed).toEqual([]);
          expect(gap).toBe(false);
          expect(received[0]).toBe(after + 1);
        } else {
          // Without a gap it starts right after since; a gap only when the bound dropped some.
          expect(received[0] === plan.since + 1).toBe(!gap);
          if (total <= MAX_MESSAGES) expect(gap).toBe(false);
          if (gap) expect(received.length).toBeLessThanOrEqual(MAX_MESSAGES + plan.after + plan.steps.length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
