import { connectResumable } from 'upsocket/browser';

// In a page, or in Node ≥ 22 (on Node 20, pass `WebSocket` from 'ws' in the options).
const client = connectResumable('wss://chat.example/chat?room=lobby', {
  backoff: { initial: 500, max: 10_000 },
  queue: { max: 100 }, // without it, send() throws UPSOCKET_CLOSED while disconnected
});

client.addEventListener('state', ({ state }) => console.log(state)); // connecting, open, reconnecting, closed
client.addEventListener('message', ({ topic, id, data }) => console.log(topic, id, data)); // once each
client.addEventListener('gap', ({ topic }) => console.warn(`${topic}: messages were missed, reload it`));

client.send('hello'); // waits in the queue until open; UPSOCKET_QUEUE_FULL past 100
// client.close() stops reconnecting; client.lastIds is where a resume would start
