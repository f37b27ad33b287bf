// The socket.io stack's steady publisher (contract.ts): a socket.io Server attached to no HTTP
// server, on the same Redis Streams adapter as the nodes, so each `io.to(topic).emit()` is one
// entry of the cluster's stream that every node delivers to its sockets in that room (with the
// entry's id as the recovery offset). It is behind no balancer and restarted by no phase. socket.io's
// emitter package for this adapter (@socket.io/redis-streams-emitter) writes the same entries.
import { Server } from 'socket.io';
import { serveRequests } from '../../ipc.js';
import { now } from '../../topics-child.js';
import { encodeMessage, topicName, type PublisherMark, type Ready } from '../contract.js';
import { intEnv, MESSAGE_EVENT, redisClient, streamsAdapter, stringEnv } from './cluster.js';

const topics = Array.from({ length: intEnv('DEPLOY_TOPICS') }, (_, k) => topicName(k));
const rate = intEnv('DEPLOY_RATE');

const redis = redisClient(stringEnv('REDIS_URL'));
await redis.ping();
const io = new Server({ adapter: streamsAdapter(redis) });
const seqs: Record<string, number> = Object.fromEntries(topics.map((topic) => [topic, 0]));
let published = 0;
let startedAt = 0;
let timer: NodeJS.Timeout | undefined;

function publishDue(): void {
  // Paced on the clock: a late tick catches up, so the rate holds while the machine is busy.
  const due = Math.floor(((now() - startedAt) / 1000) * rate);
  for (; published < due; published++) {
    const topic = topics[published % topics.length]!;
    const seq = ++seqs[topic]!;
    // The adapter XADDs synchronously (queued on the client in this order) before it resolves.
    io.to(topic).emit(MESSAGE_EVENT, encodeMessage({ topic, seq, at: now() }));
  }
}

const mark = (): PublisherMark => ({ seqs: { ...seqs }, at: now(), published });

serveRequests(
  {
  start: () => {
    startedAt = now();
    timer = setInterval(publishDue, 5);
  },
  mark,
  stop: async () => {
    clearInterval(timer);
    // Replies come in command order: once PING is answered, every XADD before it has been.
    await redis.ping();
    return mark();
  },
  },
  true satisfies Ready,
);
