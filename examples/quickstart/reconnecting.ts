import { reconnecting } from 'upsocket';

const feed = reconnecting('wss://prices.example/feed', async (connection) => {
  connection.sendJSON({ subscribe: ['EURUSD'] }); // resubscribe on every connection
  for await (const message of connection) console.log(message.json());
}, {
  onReconnect: ({ attempt, delay, closed }) => console.warn(`reconnect #${attempt} in ${delay} ms (closed: ${closed?.code})`),
});
process.once('SIGTERM', () => void feed.close());
