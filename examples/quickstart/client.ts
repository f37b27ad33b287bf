import { connect, HandshakeError } from 'upsocket';

try {
  const connection = await connect('wss://prices.example/feed', {
    headers: { authorization: `Bearer ${process.env.TOKEN}` },
    protocols: ['prices.v1'],
  });
  connection.sendJSON({ subscribe: ['EURUSD'] });
  for await (const message of connection) console.log(message.json());
} catch (error) {
  // The server's answer instead of a 101, e.g. the 401 and body your auth middleware sent.
  if (error instanceof HandshakeError) console.error(`refused: ${error.status} ${error.body}`);
  else throw error;
}
