import { connectResumable } from 'upsocket/browser';
import { WebSocket } from 'ws';

// Node 20 has no global WebSocket: pass ws's (browsers and Node ≥ 22 need nothing).
const client = connectResumable('ws://localhost:3000/chat?room=lobby', { WebSocket });
client.addEventListener('message', ({ topic, data }) => console.log(topic, data));
