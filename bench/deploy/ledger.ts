// The delivery ledger of a load process (the rules are in contract.ts): from the per-topic seqs
// each client's app received, what was lost, duplicated, out of order, per phase. Kept compact:
// per client and topic, the highest seq and the set of seqs skipped below it, not every seq.
import type { LedgerRequest, LoadLedger, PhaseLedger } from './contract.js';

class TopicLedger {
  readonly first: number;
  high: number;
  readonly missing = new Set<number>();
  readonly duplicated: number[] = [];
  readonly outOfOrder: number[] = [];

  constructor(first: number) {
    this.first = first;
    this.high = first;
  }

  receive(seq: number): void {
    if (seq > this.high) {
      for (let skipped = this.high + 1; skipped < seq; skipped++) this.missing.add(skipped);
      this.high = seq;
    } else if (this.missing.delete(seq)) this.outOfOrder.push(seq);
    else this.duplicated.push(seq);
  }
}

interface ClientLedger {
  topics: Map<string, TopicLedger>;
  /** When the client was told of a gap, per topic ('' for the whole session). */
  gaps: { topic: string; at: number }[];
}

function emptyPhase(): PhaseLedger {
  return { expected: 0, received: 0, lost: 0, lostInGaps: 0, duplicated: 0, outOfOrder: 0, gaps: 0 };
}

export class Ledger {
  readonly #clients = new Map<number, ClientLedger>();

  #client(client: number): ClientLedger {
    let ledger = this.#clients.get(client);
    if (ledger === undefined) {
      ledger = { topics: new Map(), gaps: [] };
      this.#clients.set(client, ledger);
    }
    return ledger;
  }

  /** The app of `client` received `seq` of `topic`. */
  receive(client: number, topic: string, seq: number): void {
    const topics = this.#client(client).topics;
    const ledger = topics.get(topic);
    if (ledger === undefined) topics.set(topic, new TopicLedger(seq));
    else ledger.receive(seq);
  }

  /** `client` was told it lost messages of `topic` (undefined: of every topic, a lost session). */
  gap(client: number, topic: string | undefined, at: number): void {
    this.#client(client).gaps.push({ topic: topic ?? '', at });
  }

  report(request: LedgerRequest): LoadLedger {
    const { phases } = request;
    const result: Record<string, PhaseLedger> = {};
    for (const phase of phases) result[phase.name] = emptyPhase();
    const final = phases.at(-1)?.lastSeqs ?? {};
    /** Index of the phase holding `seq` of `topic`. */
    const phaseOf = (topic: string, seq: number): number => {
      const index = phases.findIndex((phase) => seq <= (phase.lastSeqs[topic] ?? 0));
      return index === -1 ? phases.length - 1 : index;
    };
    const startOf = (index: number): number => (index === 0 ? 0 : phases[index - 1]!.endAt);
    for (const client of this.#clients.values()) {
      for (const gap of client.gaps) {
        const index = phases.findIndex((phase) => gap.at <= phase.endAt);
        result[phases[index === -1 ? phases.length - 1 : index]!.name]!.gaps++;
      }
      for (const [topic, ledger] of client.topics) {
        // Told within the phase (the last phase runs on to the ledger): a gap told in a later phase
        // is about that phase's losses, not this one's.
        const told = (index: number): boolean =>
          client.gaps.some((gap) => (gap.topic === topic || gap.topic === '') && gap.at >= startOf(index) && (index === phases.length - 1 || gap.at <= phases[index]!.endAt));
        let previous = 0;
        for (const [index, phase] of phases.entries()) {
          const last = phase.lastSeqs[topic] ?? 0;
          const from = Math.max(previous, ledger.first - 1);
          if (last > from) result[phase.name]!.expected += last - from;
          previous = last;
        }
        const lost = (seq: number): void => {
          const index = phaseOf(topic, seq);
          const phase = result[phases[index]!.name]!;
          phase.lost++;
          if (told(index)) phase.lostInGaps++;
        };
        for (const seq of ledger.missing) lost(seq);
        for (let seq = ledger.high + 1; seq <= (final[topic] ?? 0); seq++) lost(seq);
        for (const seq of ledger.duplicated) result[phases[phaseOf(topic, seq)]!.name]!.duplicated++;
        for (const seq of ledger.outOfOrder) result[phases[phaseOf(topic, seq)]!.name]!.outOfOrder++;
      }
    }
    for (const phase of Object.values(result)) phase.received = phase.expected - phase.lost;
    return { phases: result };
  }
}
