// The deploy scenario's presence table (--presence): a row per phase, from presence-summary.ts.
import type { PresenceListCheck } from './contract.js';
import type { ScenarioSettings } from './scenario.js';
import type { PresencePhaseSummary } from './presence-summary.js';

function number(value: number | undefined, digits = 0): string {
  if (value === undefined) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function row(summary: PresencePhaseSummary): string {
  const rejoin = summary.rejoined === 0 ? '–' : `${summary.rejoined}: ${number(summary.rejoinP50Ms)} / ${number(summary.rejoinMaxMs)}`;
  const lastLeave = summary.lastMetaLeaveAfterSignalMs === undefined ? '–' : number(summary.lastMetaLeaveAfterSignalMs / 1000, 1);
  return (
    `| ${summary.phase} | ${summary.seconds.toFixed(1)} | ${number(summary.framesPerSecond)} / ${number(summary.bytesPerSecond)} | ${number(summary.framesPerClientPerSecond, 2)} / ${number(summary.bytesPerClientPerSecond)} ` +
    `| ${summary.stateFrames} / ${summary.diffFrames} | ${number(summary.stateBytes)} / ${number(summary.diffBytes)} | ${summary.largestDiffBytes} | ${summary.metaJoins} / ${summary.metaLeaves} ` +
    `| ${summary.joins} / ${summary.leaves} / ${summary.updates} | **${summary.flaps}** (${summary.flappedMembers}) | ${summary.flaps === 0 ? '–' : number(summary.awayMaxMs)} | ${summary.stillAway} | ${rejoin} | ${lastLeave} |`
  );
}

/** The presence section of the Markdown, for one stack's phases. */
export function renderPresence(label: string, settings: ScenarioSettings, phases: PresencePhaseSummary[], lists: PresenceListCheck | undefined): string[] {
  const presence = settings.presence;
  const listLine =
    lists === undefined
      ? 'The lists at the end were not read.'
      : `The lists at the end (every client's \`client.presence(topic)\`, after the final window and the quiesce): ${lists.matching} of ${lists.lists} list every member with exactly one meta per tab; ${lists.extraMetas} stale metas listed beyond the tabs, ${lists.missingMetas} tabs missing.`;
  return [
    `### Presence (${label})`,
    '',
    `Each of the ${settings.clients} connections tracked in its topic as one of two tabs of ${presence?.members ?? '?'} members; presence grace ${presence?.grace === undefined ? 'the default (5000 ms)' : `${presence.grace} ms`}, interval 50 ms, the Redis backend's lease 10 s. ` +
      'Frames and bytes: the presence frames the clients received (payloads), over every client, then per client; events: what their `onPresence` heard, summed over subscribers.',
    '',
    '| phase | s | presence frames/s / bytes/s (all clients) | per client: frames/s / bytes/s | state / diff frames | state / diff bytes | largest diff (B) | metas joined / left in diffs | member joins / leaves / updates heard | **flaps** (members) | longest away, leave → join (ms) | leaves still away at the end | clients back: count: close → subscribed p50 / max (ms) | last meta leave after the phase\'s last signal (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...phases.map(row),
    '',
    listLine,
    '',
    'A flap: a subscriber heard a member leave and later join again (bench/deploy/presence-flaps.ts); no member leaves for real in this scenario, so every leave is a false one. Joins in the warm-up are the members arriving; a state after a reconnect replaces the client\'s list and its differences are heard as events.',
    '',
  ];
}
