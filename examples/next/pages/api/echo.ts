import type { NextApiRequest, NextApiResponse } from 'next';
import { open } from 'upsocket/next';

// The socket, not Next, answers an opened upgrade: this keeps `next dev` from warning that the
// route "resolved without sending a response".
export const config = { api: { externalResolver: true } };

// /api/echo: a Pages API route that echoes every WebSocket message back.
export default function echo(req: NextApiRequest, res: NextApiResponse): void {
  const opened = open(req, async (connection) => {
    for await (const message of connection) {
      if (message.type === 'text') connection.sendText(message.text());
      else connection.sendBinary(message.data);
    }
  });
  if (!opened) res.status(426).setHeader('Upgrade', 'websocket').send('Connect with a WebSocket to echo messages\n');
}
