// The upsocket load of the deploy scenario: DEPLOY_CLIENTS clients of upsocket's Node client,
// each `reconnecting({ resume: true })` to the balancer's /deploy?topics=…, recorded by
// bench/deploy/load-recorder.ts. A client is subscribed on a server once that server said
// `welcome <id>` (sent after every topic was replayed).
import { HandshakeError, reconnecting } from '../../../src/index.js';
import { serveRequests } from '../../ipc.js';
import { decodeMessage, topicsOf, type LedgerRequest } from '../contract.js';
import { LoadRecorder } from '../load-recorder.js';

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

function startClient(client: number): void {
  const target = `${url.replace(/^http/, 'ws')}/deploy?topics=${topicsOf(client, perClient, topicCount).join(',')}`;
  recorder.attempt(client);
  reconnecting(
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
      onReconnect: (event) => {
        const { error } = event;
        if (error !== undefined) recorder.refused(error instanceof HandshakeError ? error.status || error.code : 'error');
        recorder.attempt(client);
      },
      onError: (error) => console.error(`deploy load: client ${client}:`, error),
    },
  );
}

serveRequests(
  {
    connect: () => recorder.connectPaced(first, clients, connectRate, startClient),
    ledger: (request: LedgerRequest) => recorder.ledger.report(request),
  },
  true,
);
recorder.startTicks();
