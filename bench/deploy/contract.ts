// The contract between the deploy scenario's orchestrator (bench/deploy/run.ts) and the processes
// of each stack (upsocket, socket.io): how each process is started, what it says over IPC, what
// the signals mean. A stack is three programs in bench/deploy/<stack>/: server.ts, load.ts,
// publisher.ts. Each is started by the orchestrator with bench/ipc.ts's `Child` (node --import tsx,
// open-file limit raised, an IPC channel) and answers requests with bench/ipc.ts's `serveRequests`;
// besides the replies it sends unsolicited messages (`process.send`) of the types below.
//
// Time everywhere is `now()` (bench/topics-child.ts: performance.timeOrigin + performance.now(),
// wall-clock ms with sub-ms precision, comparable between processes of one machine).
//
// ─── Topics and messages ──────────────────────────────────────────────────────────────────────
// DEPLOY_TOPICS topics named topicName(0..n-1). Client i (global index, over all load processes)
// subscribes to topicsOf(i, perClient, total). Every published message is one text string,
// encodeMessage({ topic, seq, at }): seq counts from 1 per topic, at is the publish time.
//
// ─── Server process (server.ts) ───────────────────────────────────────────────────────────────
// env: REDIS_URL, DEPLOY_PORT (listen on 127.0.0.1:DEPLOY_PORT, the default backlog),
//      DEPLOY_SERVER (its id: 's1', 's2'…; the replacement on the same port keeps the id),
//      DEPLOY_TOPICS, DEPLOY_HISTORY (messages kept per topic), DEPLOY_TICK_MS,
//      DEPLOY_BACKLOG (the listen backlog; unset: Node's default, 511).
// IPC: ready value ServerReady once it listens and its Redis is connected. Then a ServerTick
//      every DEPLOY_TICK_MS (event-loop delay from perf_hooks.monitorEventLoopDelay, reset at each
//      tick). On SIGTERM: send { type: 'draining' }, drain the stack's own way (refuse new
//      connections, close the open ones so clients come back elsewhere, wait), send
//      { type: 'drained' }, exit 0. SIGKILL is the crash (nothing is said). No request commands are
//      needed beyond `exit` (serveRequests handles it).
//
// ─── Publisher process (publisher.ts) ─────────────────────────────────────────────────────────
// env: REDIS_URL, DEPLOY_TOPICS, DEPLOY_RATE (messages per second over all topics, round robin:
//      topic k gets seq n at the (n-1)*topics+k-th slot), DEPLOY_HISTORY.
// It publishes the stack's way (upsocket: createTopics over the Redis backend; socket.io: through
// its Redis adapter or emitter), never through a server of the scenario, so a server's restart
// never stops publishing. Slots are paced on the clock (catch up after a stall, no drift).
// requests: 'start' → void (begin publishing); 'mark' → PublisherMark (the last seq published per
//      topic so far: phase boundaries); 'stop' → PublisherMark (stops, then the final seqs; every
//      publish call has resolved).
//
// ─── Load-generator process (load.ts) ─────────────────────────────────────────────────────────
// env: DEPLOY_URL (the balancer, e.g. http://127.0.0.3:8080: nginx/HAProxy listen on every
//      loopback address, so each load process aims at its own 127.0.0.x, which spreads the TCP
//      4-tuples as a local address would), DEPLOY_LOCAL_ADDRESS (127.0.0.x, to bind to when the
//      client can: upsocket's client cannot, socket.io-client can through an http.Agent),
//      DEPLOY_CLIENTS (clients in this process), DEPLOY_FIRST_CLIENT (global index of its first),
//      DEPLOY_TOPICS, DEPLOY_TOPICS_PER_CLIENT, DEPLOY_TICK_MS, DEPLOY_CONNECT_RATE (new clients
//      per second at the start, so the warm-up is not itself a storm).
// Each client reconnects by itself (upsocket: reconnecting({ resume: true }); socket.io: its
// Manager with connection state recovery) and counts as `subscribed` once its server said every
// topic is subscribed (replayed) on the current connection; the server says which server it is, so
// the load knows each client's server.
// requests: 'connect' → void once every client is subscribed for the first time;
//      'ledger' LedgerRequest → LoadLedger (after the publisher stopped and the quiesce).
// ticks: LoadTick every DEPLOY_TICK_MS.
//
// ─── Presence (--presence, upsocket only) ─────────────────────────────────────────────────────
// env of servers: DEPLOY_PRESENCE_MEMBERS (set: presence on; m = clients / 2), DEPLOY_PRESENCE_GRACE
//      (createTopics' presence grace, ms; unset: its default). Each connection's URL carries
//      `client=<i>`; the server subscribes it to its topics with `presence: true` and tracks it in
//      each under key `user-<i mod m>`, meta `{"tab":<floor(i / m)>}`: clients i and i + m are two
//      tabs of one member (in the same topic when m is a multiple of the topics' count).
// env of loads: DEPLOY_PRESENCE_MEMBERS too. Each client records, per tick, the presence frames and
//      bytes it received and the member events its `onPresence` heard (LoadTick.presence), and the
//      flaps (bench/deploy/presence-flaps.ts); request 'presence' LedgerRequest → PresenceLedger
//      (the flaps, and each client's lists at the end checked by bench/deploy/presence-lists.ts).
//
// ─── The ledger (bench/deploy/ledger.ts, shared by every load) ────────────────────────────────
// Per client and topic, from the seqs the APP saw (after the client library's own de-dup): a seq
// above the highest seen + 1 leaves the ones between missing; a missing one arriving later is
// out of order; a seq seen before is duplicated into the app. At the end, a client's expected
// range per topic is [first seq it saw on its first connection, final seq]: what is still missing
// is lost, attributed to the phase whose seq range holds it (LedgerRequest.phases), and counted as
// "in a gap" when the client was told of a gap on that topic (upsocket onGap) or lost its session
// (socket.io `recovered === false` after a reconnect) at or before the missing seq's phase end.

/** The stacks the scenario runs; each has server.ts, load.ts and publisher.ts in bench/deploy/<stack>/. */
export const stackNames = ['upsocket', 'socketio'] as const;
export type StackName = (typeof stackNames)[number];

/** The three programs of a stack, as paths for bench/ipc.ts's `Child` (relative to bench/). */
export function stackPrograms(stack: StackName): { server: string; load: string; publisher: string } {
  return { server: `./deploy/${stack}/server.ts`, load: `./deploy/${stack}/load.ts`, publisher: `./deploy/${stack}/publisher.ts` };
}

export function topicName(index: number): string {
  return `t${index}`;
}

/** The topics client `client` subscribes to: `perClient` consecutive topics from its own offset. */
export function topicsOf(client: number, perClient: number, total: number): string[] {
  const topics: string[] = [];
  for (let k = 0; k < Math.min(perClient, total); k++) topics.push(topicName((client * perClient + k) % total));
  return topics;
}

/** One published message. */
export interface DeployMessage {
  topic: string;
  seq: number;
  /** Publish time, `now()`. */
  at: number;
}

/** `<topic> <seq> <at>`: cheap to parse in thousands of clients. */
export function encodeMessage(message: DeployMessage): string {
  return `${message.topic} ${message.seq} ${message.at}`;
}

export function decodeMessage(text: string): DeployMessage | undefined {
  const [topic, seq, at] = text.split(' ');
  if (topic === undefined || seq === undefined || at === undefined) return undefined;
  return { topic, seq: Number(seq), at: Number(at) };
}

/** The server's ready value. */
export interface ServerReady {
  server: string;
  port: number;
  pid: number;
}

export interface ServerTick {
  type: 'tick';
  server: string;
  at: number;
  /** Open client connections (WebSockets, or socket.io sockets). */
  connections: number;
  /** Event-loop delay since the previous tick, ms. */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Handshakes this process refused since the previous tick (its own admission or drain). */
  refused: number;
}

export interface ServerState {
  type: 'draining' | 'drained';
  server: string;
  at: number;
}

/** The last seq published per topic (0: none yet). */
export interface PublisherMark {
  seqs: Record<string, number>;
  at: number;
  published: number;
}

/** One publish → delivery latency sample; `weight` is how many deliveries it stands for. */
export type LatencySample = [deliveredAt: number, latencyMs: number, weight: number];

/** A client back on a server after its connection ended. */
export interface ResumeEvent {
  client: number;
  /** The server it was on, and when that connection ended. */
  from: string;
  downAt: number;
  /** Close code the client saw (1006 for a drop). */
  code: number;
  /** The server it is on now, and when it was subscribed (replayed) there. */
  to: string;
  at: number;
  /** Handshake attempts it took (1: the first one worked). */
  attempts: number;
  /** When the attempt that worked started: before it, the client was down or retrying; after, its handshake and replay. */
  attemptAt: number;
  /** When that attempt's upgrade reached the server's app (upsocket's welcome says): before, the load process, the balancer and the accept queue; after, the server's handshake and replay. */
  arrivedAt?: number;
  /** socket.io: `socket.recovered`; upsocket: true unless a gap was signalled on the way. */
  recovered: boolean;
}

/** A client told it lost messages: upsocket onGap, socket.io a session not recovered. */
export interface GapEvent {
  client: number;
  /** Undefined when the whole session (every topic) was lost. */
  topic: string | undefined;
  at: number;
}

export interface LoadTick {
  type: 'tick';
  /** Index of the load process (its DEPLOY_FIRST_CLIENT). */
  load: number;
  at: number;
  /** Clients subscribed right now. */
  subscribed: number;
  /** Subscribed clients per server id. */
  perServer: Record<string, number>;
  /** Deliveries to the app since the previous tick, and a sample of their latencies. */
  delivered: number;
  latency: LatencySample[];
  /** Failed handshakes since the previous tick, by HTTP status ('502', '503', …), else the client's error code or 'error'. */
  refused: Record<string, number>;
  resumed: ResumeEvent[];
  gaps: GapEvent[];
  /** The load process's own event-loop delay since the previous tick, ms: above a few hundred, the load itself falls behind. */
  loopDelayMaxMs: number;
  /** With --presence: what its clients received of presence since the previous tick. */
  presence?: PresenceTick;
}

/** Presence received by a load's clients in one tick, summed over them. Bytes: the frames' payloads (UTF-8). */
export interface PresenceTick {
  /** State frames: one per presence subscription of each (re)connection. */
  stateFrames: number;
  stateBytes: number;
  diffFrames: number;
  diffBytes: number;
  largestDiffBytes: number;
  /** Metas (tracked connections) in the diffs' `joins` and `leaves`. */
  metaJoins: number;
  metaLeaves: number;
  /** Member events the clients' `onPresence` heard (a state after a reconnect included). */
  joins: number;
  leaves: number;
  updates: number;
}

/** One phase's flaps as the subscribers saw them (bench/deploy/presence-flaps.ts says what counts), attributed to the phase of the leave. */
export interface PresenceFlapPhase {
  /** Leaves of a member later followed by its join, seen by one subscriber. */
  flaps: number;
  /** The members (`<topic>/<key>`) that flapped for at least one subscriber. */
  members: string[];
  /** Longest time between such a leave and the join, ms. */
  awayMaxMs: number;
  /** Leaves with no join after them by the time of the report. */
  stillAway: number;
}

/** The subscribers' lists at the end (bench/deploy/presence-lists.ts): one per client and topic. */
export interface PresenceListCheck {
  lists: number;
  /** Lists with every member and exactly one meta per tab. */
  matching: number;
  /** Metas listed beyond the tabs (stale: their connection closed long ago), and tabs not listed. */
  extraMetas: number;
  missingMetas: number;
}

export interface PresenceLedger {
  phases: Record<string, PresenceFlapPhase>;
  /** Undefined in a load without presence. */
  lists?: PresenceListCheck;
}

/** What the orchestrator sends with 'ledger'. */
export interface LedgerRequest {
  /** In order; each phase holds the seqs after the previous phase's `lastSeqs` up to its own. */
  phases: { name: string; lastSeqs: Record<string, number>; endAt: number }[];
}

export interface PhaseLedger {
  /** Deliveries expected (clients × their topics' seqs in the phase, from each client's first seq). */
  expected: number;
  /** Distinct seqs the app received. */
  received: number;
  lost: number;
  /** Of `lost`, those the client had been told of (a gap or a lost session). */
  lostInGaps: number;
  duplicated: number;
  outOfOrder: number;
  gaps: number;
}

export interface LoadLedger {
  phases: Record<string, PhaseLedger>;
}

/** Ready values of load and publisher: nothing but being ready. */
export type Ready = true;
