'use client';
// The chat page: one WebSocket to /chat on this page's host, reopened a second after it closes.
// Messages are JSON, as in ../../shared/chat-room.ts.
import { useEffect, useRef, useState, type FormEvent } from 'react';

type Incoming = { type: 'said'; name: string; text: string; at: number } | { type: 'error'; reason: string };

export default function ChatPage() {
  const socket = useRef<WebSocket | null>(null);
  const [online, setOnline] = useState(false);
  const [lines, setLines] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [text, setText] = useState('');

  useEffect(() => {
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      const url = new URL('/chat', location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(url);
      socket.current = ws;
      ws.onopen = () => setOnline(true);
      ws.onmessage = (event: MessageEvent<string>) => {
        const message = JSON.parse(event.data) as Incoming;
        const line =
          message.type === 'said'
            ? `${new Date(message.at).toLocaleTimeString()} ${message.name}: ${message.text}`
            : `(not sent: ${message.reason})`;
        setLines((previous) => [...previous, line]);
      };
      ws.onclose = () => {
        setOnline(false);
        if (!stopped) retry = setTimeout(connect, 1000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket.current?.close();
    };
  }, []);

  const send = (event: FormEvent): void => {
    event.preventDefault();
    socket.current?.send(JSON.stringify({ type: 'say', name, text }));
    setText('');
  };

  return (
    <main>
      <h1>upsocket chat on Next.js</h1>
      <p>{online ? '● online' : '○ connecting…'}</p>
      <ul aria-live="polite">
        {lines.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
      <form onSubmit={send}>
        <input aria-label="Name" placeholder="Name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={40} />{' '}
        <input aria-label="Message" placeholder="Message" value={text} onChange={(event) => setText(event.target.value)} required maxLength={2000} />{' '}
        <button disabled={!online}>Send</button>
      </form>
    </main>
  );
}
