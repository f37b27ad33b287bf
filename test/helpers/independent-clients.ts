// Independent WebSocket client implementations behind one small driver each, so a test runs the
// same exchange with every one of them: ws (what the rest of the tests use), undici's (Node's
// fetch stack, the browser API), faye-websocket's and WebSocket-Node's (`websocket` on npm).
import faye from 'faye-websocket';
import { WebSocket as UndiciWebSocket } from 'undici';
import websocketNode from 'websocket';
import WebSocket from 'ws';
import type { CloseInfo } from '../../src/index.js';
import { onCleanup } from './cleanup.js';

/** A message as the client received it: text as a string, binary as its bytes. */
export type Received = string | number[];

/** Where a driver reports what its client receives. */
interface ClientEvents {
  message(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What the tests do with an open client, in each library's own calls. */
interface DrivenSocket {
  sendText(text: string): void;
  sendBinary(bytes: Buffer): void;
  close(code: number, reason: string): void;
}

export interface ClientDriver {
  /** For test titles. */
  name: string;
  /**
   * The close frame this client answers a server's close with. RFC 6455 §5.5.1 says an endpoint
   * "typically echos" the code; these clients differ, and the server's `closed` reports the answer.
   */
  closeReply(received: CloseInfo): CloseInfo;
  /** Resolves once the handshake completed; rejects if it failed. Torn down after the test. */
  open(url: string, events: ClientEvents): Promise<DrivenSocket>;
}

const echoesCodeAndReason = (received: CloseInfo): CloseInfo => received;

/** For the clients whose send() takes a string as text and a Buffer as binary. */
function sendingBy(socket: { send(data: string | Buffer): unknown; close(code: number, reason: string): unknown }): DrivenSocket {
  return { sendText: (text) => socket.send(text), sendBinary: (bytes) => socket.send(bytes), close: (code, reason) => socket.close(code, reason) };
}

const ws: ClientDriver = {
  name: "ws's client",
  closeReply: echoesCodeAndReason,
  open: (url, events) =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      onCleanup(() => socket.terminate());
      socket.on('message', (data: Buffer, isBinary) => events.message(isBinary ? data : data.toString()));
      socket.on('close', (code, reason) => events.close(code, reason.toString()));
      socket.once('error', reject);
      socket.once('open', () => resolve(sendingBy(socket)));
    }),
};

/** The WHATWG API, as in browsers. */
const undici: ClientDriver = {
  name: "undici's WebSocket",
  closeReply: ({ code }) => ({ code, reason: '' }),
  open: (url, events) =>
    new Promise((resolve, reject) => {
      const socket = new UndiciWebSocket(url);
      onCleanup(() => socket.close());
      socket.binaryType = 'arraybuffer';
      socket.addEventListener('message', ({ data }) => events.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer)));
      socket.addEventListener('close', ({ code, reason }) => events.close(code, reason));
      socket.addEventListener('error', () => reject(new Error("undici's WebSocket failed to connect")));
      socket.addEventListener('open', () => resolve(sendingBy(socket)));
    }),
};

const fayeWebsocket: ClientDriver = {
  name: "faye-websocket's client",
  closeReply: echoesCodeAndReason,
  open: (url, events) =>
    new Promise((resolve, reject) => {
      const socket = new faye.Client(url);
      // faye has no terminate(); a close frame to a server that is gone times out by itself.
      onCleanup(() => {
        if (socket.readyState === 1) socket.close();
      });
      socket.on('message', ({ data }) => events.message(data));
      socket.on('close', ({ code, reason }) => events.close(code, reason));
      socket.on('error', ({ message }) => reject(new Error(`faye-websocket: ${message}`)));
      socket.on('open', () => resolve(sendingBy(socket)));
    }),
};

/** WebSocket-Node's own client API (its `w3cwebsocket` is a wrapper around it). */
const webSocketNode: ClientDriver = {
  name: "WebSocket-Node's client",
  closeReply: () => ({ code: 1000, reason: '' }),
  open: (url, events) =>
    new Promise((resolve, reject) => {
      const client = new websocketNode.client();
      client.on('connectFailed', reject);
      client.on('connect', (connection) => {
        onCleanup(() => connection.drop());
        connection.on('message', (message) => events.message(message.type === 'utf8' ? message.utf8Data : message.binaryData));
        connection.on('close', (code, description) => events.close(code, description));
        resolve({
          sendText: (text) => connection.sendUTF(text),
          sendBinary: (bytes) => connection.sendBytes(bytes),
          close: (code, reason) => connection.close(code, reason),
        });
      });
      client.connect(url);
    }),
};

export const independentClients: readonly ClientDriver[] = [ws, undici, fayeWebsocket, webSocketNode];

/** A client opened through a driver, recording what it receives and how it closed. */
export interface InteropClient extends DrivenSocket {
  received: Received[];
  closed: Promise<CloseInfo>;
}

export async function connectWith(driver: ClientDriver, url: string): Promise<InteropClient> {
  const received: Received[] = [];
  let onClose!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => (onClose = resolve));
  const socket = await driver.open(url, {
    message: (data) => received.push(typeof data === 'string' ? data : [...data]),
    close: (code, reason) => onClose({ code, reason }),
  });
  return { ...socket, received, closed };
}
