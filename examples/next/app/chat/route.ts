import type { Connection } from 'upsocket';
import { websocket } from 'upsocket/next';
import { chat, chatOptions } from '../../../shared/chat-room';

// Everyone in the chat. Kept on globalThis so that `next dev` reloading this module after an edit
// does not lose the browsers already connected.
const key = Symbol.for('upsocket.example.next.chat');
const everyone: Set<Connection> = ((globalThis as { [key]?: Set<Connection> })[key] ??= new Set());

// GET /chat: a WebSocket upgrade joins the chat (the protocol is in ../../../shared/chat-room.ts);
// a plain GET gets 426 Upgrade Required.
export const GET = websocket(async (connection) => {
  everyone.add(connection);
  try {
    await chat(connection, everyone);
  } finally {
    everyone.delete(connection);
  }
}, chatOptions);
