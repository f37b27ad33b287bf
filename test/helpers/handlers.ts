import type { Connection, Message } from '../../src/index.js';

/** Echoes every message back with its type, until the stream ends. */
export async function echo(connection: Connection): Promise<void> {
  for await (const message of connection) {
    if (message.type === 'text') connection.sendText(message.text());
    else connection.sendBinary(message.data);
  }
}

/** The outcome of reading until the stream ends: messages, then null or the error. */
export async function readAll(connection: Connection): Promise<{ messages: string[]; end: unknown }> {
  const messages: string[] = [];
  try {
    for (;;) {
      const message: Message | null = await connection.read();
      if (message === null) return { messages, end: null };
      messages.push(message.text());
    }
  } catch (error) {
    return { messages, end: error };
  }
}
