import type { Connection } from 'upsocket';

/** The upsocket echo handler, as the issue states it: `for await` over the connection, send back. */
export async function echo(connection: Connection): Promise<void> {
  for await (const message of connection) {
    if (message.type === 'text') connection.sendText(message.text());
    else connection.sendBinary(message.data);
  }
}
