// The socket.io stack's steady publisher (contract.ts): a socket.io Server attached to no HTTP
// server, on the same Redis Streams adapter as the nodes, so each `io.to(topic).emit()` is one
// entry of the cluster's stream that every node delivers to its sockets in that room (with the
// entry's id as the recovery offset). It is behind no balancer and restarted by no phase. socket.io's
// emitter package for this adapter (@socket.io/redis-streams-emitter) writes the same entries.
import { Server } from 'socket.io';
import { serveRequests } from '../../ipc.js';
import { encodeMessage, type Ready } from '../contract.js';
import { pacePublishing } from '../pace.js';
import { MESSAGE_EVENT, redisClient, streamsAdapter, stringEnv } from './cluster.js';

const redis = redisClient(stringEnv('REDIS_URL'));
await redis.ping();
const io = new Server({ adapter: streamsAdapter(redis) });
const pacer = pacePublishing(
  // emit() gives no promise: the adapter queues its XADD on `redis` in this call, in order.
  async (topic, text) => void io.to(topic).emit(MESSAGE_EVENT, text),
  (topic, seq, at) => encodeMessage({ topic, seq, at }),
);

serveRequests(
  {
    start: () => pacer.start(),
    mark: () => pacer.mark(),
    stop: async () => {
      const mark = await pacer.stop();
      // Replies come in command order: once PING is answered, every XADD before it has been.
      await redis.ping();
      return mark;
    },
  },
  true satisfies Ready,
);
