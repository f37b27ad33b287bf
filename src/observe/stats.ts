import { subscribe } from 'node:diagnostics_channel';
import {
  countMessages, drainingConnections, openConnections, pendingUpgrades, rateLimitCloseReason, rateLimitedConnections, type MessageCounts, type UpsocketChannels,
} from '../core/internal.js';

/** What `stats()` returns: a snapshot, yours to keep. */
export interface UpsocketStats {
  /** Server connections open now (a gauge, exact from the process's start). */
  openConnections: number;
  /** Upgrade requests `attach()` received and `handleUpgrade()` was given. */
  upgrades: number;
  /** Server connections opened (101 sent). */
  opened: number;
  /** Server connections closed, in all and by close code (`{ 1000: 12, 1006: 1 }`). */
  closed: number;
  closedByCode: Record<number, number>;
  /** Upgrades upsocket refused, in all and by HTTP status (`{ 403: 2, 503: 1 }`). */
  refused: number;
  refusedByStatus: Record<number, number>;
  /**
   * Upgrades refused (503, counted in `refused` too) before the app saw them, over `attach()`'s
   * `maxPendingUpgrades` or `upgradesPerSecond`.
   */
  upgradesShed: number;
  /** Upgrades `attach()` is routing through the app now, as `maxPendingUpgrades` counts them (a gauge, exact from the start). */
  pendingUpgrades: number;
  /** Connections a spread `close()` has not yet sent their close frame (a gauge: the drain's progress). */
  drainingConnections: number;
  /** Errors that went to `onError` (handlers that threw, routing failures). */
  errors: number;
  /** Messages and payload bytes received and sent, over every `Connection` (client ones included). */
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** Times reading stopped at `receiveHighWaterMark`, and times a `flush()` had to wait for the send buffer. */
  receivePauses: number;
  sendPauses: number;
  /** Connections whose messages the rate limit holds now (a gauge, exact from the start). */
  rateLimitedConnections: number;
  /** Times the rate limit started holding a connection (`rateLimit`, policy `'pause'`). */
  rateLimitPauses: number;
  /** Connections closed for going over `rateLimit` (policy `'close'`: 1008 `Rate limit exceeded`). */
  rateLimitCloses: number;
  /** Connections the heartbeat dropped. */
  heartbeatTimeouts: number;
  /** `topics.publish()` calls, messages written to local subscribers, and subscribers closed with 1013. */
  topicPublishes: number;
  topicDeliveries: number;
  slowSubscriberCloses: number;
  /** Times a topic's subscribers here missed messages the history could not bring back (`upsocket:topic-gap`). */
  topicGaps: number;
}

type MessageTotals = Pick<UpsocketStats, 'messagesReceived' | 'messagesSent' | 'bytesReceived' | 'bytesSent'>;
type Counts = Omit<UpsocketStats, 'openConnections' | 'rateLimitedConnections' | 'pendingUpgrades' | 'drainingConnections' | keyof MessageTotals>;

let counts: Counts | undefined;
// The core's message counts (kept per message without a diagnostics event), and their values
// when stats() was first called.
let messages: MessageCounts | undefined;
let messagesAtStart: MessageTotals | undefined;

function messageTotals({ messagesReceived, messagesSent, bytesReceived, bytesSent }: MessageTotals): MessageTotals {
  return { messagesReceived, messagesSent, bytesReceived, bytesSent };
}

function count(total: Record<number, number>, key: number): void {
  total[key] = (total[key] ?? 0) + 1;
}

function startCounting(): Counts {
  messages = countMessages();
  messagesAtStart = messageTotals(messages);
  const c: Counts = {
    upgrades: 0, opened: 0, closed: 0, closedByCode: {}, refused: 0, refusedByStatus: {}, upgradesShed: 0, errors: 0,
    receivePauses: 0, sendPauses: 0,
    rateLimitPauses: 0, rateLimitCloses: 0,
    heartbeatTimeouts: 0, topicPublishes: 0, topicDeliveries: 0, slowSubscriberCloses: 0, topicGaps: 0,
  };
  subscribe('upsocket:upgrade', () => c.upgrades++);
  subscribe('upsocket:open', () => c.opened++);
  subscribe('upsocket:close', (message) => {
    const { code, reason } = message as UpsocketChannels['upsocket:close'];
    c.closed++;
    count(c.closedByCode, code);
    if (code === 1008 && reason === rateLimitCloseReason) c.rateLimitCloses++;
  });
  subscribe('upsocket:refused', (message) => {
    const { status, shed } = message as UpsocketChannels['upsocket:refused'];
    c.refused++;
    count(c.refusedByStatus, status);
    if (shed !== undefined) c.upgradesShed++;
  });
  subscribe('upsocket:error', () => c.errors++);
  subscribe('upsocket:pause', (message) => {
    const { direction, reason } = message as UpsocketChannels['upsocket:pause'];
    if (reason === 'rateLimit') c.rateLimitPauses++;
    else if (direction === 'receive') c.receivePauses++;
    else c.sendPauses++;
  });
  subscribe('upsocket:heartbeat-timeout', () => c.heartbeatTimeouts++);
  subscribe('upsocket:publish', () => c.topicPublishes++);
  subscribe('upsocket:deliver', (message) => {
    c.topicDeliveries += (message as UpsocketChannels['upsocket:deliver']).subscribers;
  });
  subscribe('upsocket:slow-subscriber', () => c.slowSubscriberCloses++);
  subscribe('upsocket:topic-gap', () => c.topicGaps++);
  return c;
}

/**
 * Counters and gauges of every upsocket server and connection in the process. The counters start
 * with the first call (a subscriber of upsocket's diagnostics channels, and the core's message
 * counters, which cost a few integer additions per message and no event): until then nothing is
 * counted and no message costs anything; from then on they count everything (so call it once at
 * startup if you want totals from the start). The gauges (`openConnections`, `rateLimitedConnections`,
 * `pendingUpgrades`, `drainingConnections`) are exact from the start.
 *
 * @example
 * stats() // start counting at startup
 * app.get('/debug/websockets', (req, res) => res.json(stats()))
 */
export function stats(): UpsocketStats {
  const c = (counts ??= startCounting());
  const now = messages!;
  const start = messagesAtStart!;
  return {
    openConnections,
    rateLimitedConnections,
    pendingUpgrades,
    drainingConnections,
    ...c,
    messagesReceived: now.messagesReceived - start.messagesReceived,
    messagesSent: now.messagesSent - start.messagesSent,
    bytesReceived: now.bytesReceived - start.bytesReceived,
    bytesSent: now.bytesSent - start.bytesSent,
    closedByCode: { ...c.closedByCode },
    refusedByStatus: { ...c.refusedByStatus },
  };
}
