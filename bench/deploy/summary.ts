// Per phase of one stack's run, the figures issue 24 asks for, from what the processes reported
// (scenario.ts's StackRecord): the ledger's counts, resume times after each signal, publish →
// delivery percentiles (weighted latency samples), refused handshakes, the survivors' peak
// event-loop delay and the servers' peak RSS.
import type { LatencySample, PhaseLedger } from './contract.js';
import type { StackRecord } from './scenario.js';

/** One phase: the ledger's counts summed over the load processes, and the rest. */
export interface PhaseSummary extends PhaseLedger {
  phase: string;
  seconds: number;
  published: number;
  /** Clients subscribed at the phase's end (the loads' last ticks in it): the rest were still away. */
  subscribedAtEnd: number;
  /** Signals in the phase; clients on the signalled servers, and how many of them resumed. */
  signals: number;
  clients: number;
  resumed: number;
  resumeMaxMs: number | undefined;
  resumeP99Ms: number | undefined;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  refused: Record<string, number>;
  survivorLoopDelayMaxMs: number | undefined;
  /** The load processes' own event-loop delay: high, and they measure their own lag. */
  loadLoopDelayMaxMs: number | undefined;
  rssPeakMb: number | undefined;
}

/** The `p`th percentile of weighted values. */
export function weightedPercentile(samples: readonly LatencySample[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a[1] - b[1]);
  const total = sorted.reduce((sum, sample) => sum + sample[2], 0);
  let seen = 0;
  for (const sample of sorted) {
    seen += sample[2];
    if (seen >= (p / 100) * total) return sample[1];
  }
  return sorted.at(-1)![1];
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const maxOf = (values: number[]): number | undefined => (values.length === 0 ? undefined : Math.max(...values));

export function summarize(record: StackRecord): PhaseSummary[] {
  return record.phases.map((phase, index) => {
    const previous = record.phases[index - 1]?.mark.seqs ?? {};
    const published = Object.entries(phase.mark.seqs).reduce((sum, [topic, seq]) => sum + seq - (previous[topic] ?? 0), 0);
    const within = (at: number): boolean => at > phase.startAt && at <= phase.endAt;
    const ledger = record.ledger.phases[phase.name] ?? { expected: 0, received: 0, lost: 0, lostInGaps: 0, duplicated: 0, outOfOrder: 0, gaps: 0 };
    const signals = record.signals.filter((signal) => signal.phase === phase.name);
    const resumeMs = signals.flatMap((signal) => signal.resumeMs);
    const loadTicks = record.loadTicks.filter((tick) => within(tick.at));
    const latency = loadTicks.flatMap((tick) => tick.latency).filter(([at]) => within(at));
    const lastTicks = new Map<number, number>();
    for (const tick of loadTicks) lastTicks.set(tick.load, tick.subscribed);
    const refused: Record<string, number> = {};
    for (const tick of loadTicks) for (const [status, count] of Object.entries(tick.refused)) refused[status] = (refused[status] ?? 0) + count;
    const serverTicks = record.serverTicks.filter((tick) => within(tick.at));
    const survivors = serverTicks.filter((tick) => record.leaving[tick.pid] === undefined || tick.at < record.leaving[tick.pid]!);
    return {
      phase: phase.name,
      seconds: (phase.endAt - phase.startAt) / 1000,
      published,
      expected: ledger.expected,
      received: ledger.received,
      lost: ledger.lost,
      lostInGaps: ledger.lostInGaps,
      duplicated: ledger.duplicated,
      outOfOrder: ledger.outOfOrder,
      gaps: ledger.gaps,
      subscribedAtEnd: [...lastTicks.values()].reduce((sum, count) => sum + count, 0),
      signals: signals.length,
      clients: signals.reduce((sum, signal) => sum + signal.clients, 0),
      resumed: resumeMs.length,
      resumeMaxMs: maxOf(resumeMs),
      resumeP99Ms: percentile(resumeMs, 99),
      latencyP50Ms: weightedPercentile(latency, 50),
      latencyP99Ms: weightedPercentile(latency, 99),
      refused,
      survivorLoopDelayMaxMs: maxOf(survivors.map((tick) => tick.loopDelayMaxMs)),
      loadLoopDelayMaxMs: maxOf(loadTicks.map((tick) => tick.loopDelayMaxMs).filter((value) => value !== undefined)),
      rssPeakMb: maxOf(serverTicks.map((tick) => tick.rssBytes / 2 ** 20)),
    };
  });
}
