// The upsocket load of the deploy scenario: DEPLOY_CLIENTS clients of upsocket's Node client,
// each `reconnecting({ resume: true })` to the balancer's /deploy?topics=…, recorded by
// bench/deploy/load-recorder.ts. A client is subscribed on a server once that server said
// `welcome <id>` (sent after every topic was replayed). DEPLOY_PRESENCE_MEMBERS (--presence): each URL
// also carries `client=<index>` and presence-recorder.ts records what the clients get of presence.
import { HandshakeError, reconnecting, type PresenceMemberEvent, type ReconnectingClient } from '../../../src/index.js';
import { serveRequests } from '../../ipc.js';
import { decodeMessage, topicsOf, type LedgerRequest, type PresenceLedger } from '../contract.js';
import { LoadRecorder } from '../load-recorder.js';
import { checkLists, expectedMetas } from '../presence-lists.js';
import { PresenceRecorder, tapIncomingFrames } from '../presence-recorder.js';

const url = process.env.DEPLOY_URL ?? 'http://127.0.0.1:8080';
const clients = Number(process.env.DEPLOY_CLIENTS ?? 100);
const first = Number(process.env.DEPLOY_FIRST_CLIENT ?? 0);
const topicCount = Number(process.env.DEPLOY_TOPICS ?? 20);
const perClient = Number(process.env.DEPLOY_TOPICS_PER_CLIENT ?? 1);
const connectRate = Number(process.env.DEPLOY_CONNECT_RATE ?? 500);
/** `DEPLOY_RESUME=off`: a control run without resume, which the ledger must show losing messages. */
const resume = process.env.DEPLOY_RESUME !== 'off';
const recorder = new LoadRecorder(first);
const now = (): number => performance.timeOrigin + performance.now();
const members = process.env.DEPLOY_PRESENCE_MEMBERS === undefined ? undefined : Number(process.env.DEPLOY_PRESENCE_MEMBERS);
const presence = members === undefined ? undefined : new PresenceRecorder();
/** With presence: each client, for its lists at the end. */
const clientsRunning = new Map<number, ReconnectingClient>();
if (presence !== undefined) {
  if (!resume) throw new Error('deploy load: presence needs resume (onPresence is a resuming client\'s)');
  tapIncomingFrames((data) => presence.frame(data));
}

function startClient(client: number): void {
  const target = `${url.replace(/^http/, 'ws')}/deploy?topics=${topicsOf(client, perClient, topicCount).join(',')}${presence === undefined ? '' : `&client=${client}`}`;
  recorder.attempt(client);
  const running = reconnecting(
    target,
    async (connection) => {
      try {
        for await (const message of connection) {
          const text = message.text();
          if (text.startsWith('welcome ')) {
            const [server = '', arrivedAt] = text.slice(8).split(' ');
            recorder.subscribed(client, server, now(), true, arrivedAt === undefined ? undefined : Number(arrivedAt));
            continue;
          }
          // Without resume, the seams reach the app too: only messages carry a text.
          const envelope = JSON.parse(text) as { text?: string };
          const decoded = envelope.text === undefined ? undefined : decodeMessage(envelope.text);
          if (decoded !== undefined) recorder.delivered(client, decoded, now());
        }
      } finally {
        const { code } = await connection.closed;
        recorder.down(client, code, now());
      }
    },
    {
      resume,
      ...(resume && { onGap: (topic: string) => recorder.gap(client, topic, now()) }),
      ...(presence !== undefined && { onPresence: (event: PresenceMemberEvent) => presence.event(client, event, now()) }),
      onReconnect: (event) => {
        const { error } = event;
        if (error !== undefined) recorder.refused(error instanceof HandshakeError ? error.status || error.code : 'error');
        recorder.attempt(client);
      },
      onError: (error) => console.error(`deploy load: client ${client}:`, error),
    },
  );
  if (presence !== undefined) clientsRunning.set(client, running);
}

/** The flaps, and every client's list of each of its topics checked against what should be listed. */
function presenceLedger(request: LedgerRequest): PresenceLedger {
  if (presence === undefined || members === undefined) return { phases: {} };
  const lists = [...clientsRunning].flatMap(([client, running]) => topicsOf(client, perClient, topicCount).map((topic) => ({ topic, members: running.presence(topic) })));
  return { ...presence.flaps.report(request), lists: checkLists(lists, expectedMetas(members, perClient, topicCount)) };
}

serveRequests(
  {
    connect: () => recorder.connectPaced(first, clients, connectRate, startClient),
    ledger: (request: LedgerRequest) => recorder.ledger.report(request),
    presence: presenceLedger,
  },
  true,
);
recorder.startTicks(presence === undefined ? undefined : () => ({ presence: presence.tick() }));
