// Per phase of one stack's run with --presence: the presence traffic the clients received (their
// LoadTick.presence, summed over the loads' ticks in the phase), the member events they heard, the
// flaps the loads counted (presence-flaps.ts), and the clients' time away (from their connection's
// close until they were subscribed again), which is what a presence grace has to cover.
import type { PresenceTick } from './contract.js';
import type { StackRecord } from './scenario.js';
import { percentile } from './summary.js';

export interface PresencePhaseSummary extends PresenceTick {
  phase: string;
  seconds: number;
  /** Presence frames (states and diffs) and their bytes per second, over every client; then per client. */
  framesPerSecond: number;
  bytesPerSecond: number;
  framesPerClientPerSecond: number;
  bytesPerClientPerSecond: number;
  flaps: number;
  /** Members (`<topic>/<key>`) that flapped for at least one subscriber. */
  flappedMembers: number;
  awayMaxMs: number;
  stillAway: number;
  /** Clients that came back in the phase: from their connection's close until subscribed again, p50 and max, ms. */
  rejoined: number;
  rejoinP50Ms: number | undefined;
  rejoinMaxMs: number | undefined;
  /** The last tick with metas leaving in a diff, from the phase's last signal, ms: when the grace's (or the sweep's) leaves came. */
  lastMetaLeaveAfterSignalMs: number | undefined;
}

function addTick(into: PresenceTick, tick: PresenceTick): void {
  for (const key of Object.keys(tick) as (keyof PresenceTick)[]) {
    if (key === 'largestDiffBytes') into.largestDiffBytes = Math.max(into.largestDiffBytes, tick.largestDiffBytes);
    else into[key] += tick[key];
  }
}

/** Undefined when the run had no presence (no load sent presence counts). */
export function summarizePresence(record: StackRecord, clients: number): PresencePhaseSummary[] | undefined {
  if (record.presence === undefined) return undefined;
  return record.phases.map((phase) => {
    const within = (at: number): boolean => at > phase.startAt && at <= phase.endAt;
    const seconds = (phase.endAt - phase.startAt) / 1000;
    const totals: PresenceTick = { stateFrames: 0, stateBytes: 0, diffFrames: 0, diffBytes: 0, largestDiffBytes: 0, metaJoins: 0, metaLeaves: 0, joins: 0, leaves: 0, updates: 0 };
    const ticks = record.loadTicks.filter((tick) => within(tick.at));
    for (const tick of ticks) if (tick.presence !== undefined) addTick(totals, tick.presence);
    const frames = totals.stateFrames + totals.diffFrames;
    const bytes = totals.stateBytes + totals.diffBytes;
    const flaps = record.presence?.phases[phase.name] ?? { flaps: 0, members: [], awayMaxMs: 0, stillAway: 0 };
    const rejoinMs = ticks.flatMap((tick) => tick.resumed.map((event) => event.at - event.downAt));
    const lastSignal = record.signals.filter((signal) => signal.phase === phase.name).at(-1);
    const lastLeave = ticks.filter((tick) => (tick.presence?.metaLeaves ?? 0) > 0).at(-1);
    return {
      phase: phase.name,
      seconds,
      ...totals,
      framesPerSecond: frames / seconds,
      bytesPerSecond: bytes / seconds,
      framesPerClientPerSecond: frames / seconds / clients,
      bytesPerClientPerSecond: bytes / seconds / clients,
      flaps: flaps.flaps,
      flappedMembers: flaps.members.length,
      awayMaxMs: flaps.awayMaxMs,
      stillAway: flaps.stillAway,
      rejoined: rejoinMs.length,
      rejoinP50Ms: percentile(rejoinMs, 50),
      rejoinMaxMs: rejoinMs.length === 0 ? undefined : Math.max(...rejoinMs),
      lastMetaLeaveAfterSignalMs: lastSignal === undefined || lastLeave === undefined ? undefined : lastLeave.at - lastSignal.at,
    };
  });
}
