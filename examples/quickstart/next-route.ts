// app/chat/[room]/route.ts
import { websocket } from 'upsocket/next';

export const GET = websocket(async (connection, _request, { params }: { params: Promise<{ room: string }> }) => {
  const { room } = await params;
  for await (const message of connection) connection.sendText(`${room}: ${message.text()}`);
});
