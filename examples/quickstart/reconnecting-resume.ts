import { reconnecting } from 'upsocket';

const feed = reconnecting('wss://chat.example/chat?room=lobby', async (connection) => {
  // Envelope messages arrive once each, even across reconnects: {"topic","id","text"} or {"topic","id","binary"}.
  for await (const message of connection) console.log(message.json());
}, {
  resume: true,
  onGap: (topic) => console.warn(`${topic}: the server's history did not reach back far enough, resync`),
});
process.once('SIGTERM', () => void feed.close());
