// faye-websocket ships no types and has no @types package: the part of its Node client the interop
// tests use (test/helpers/independent-clients.ts).
declare module 'faye-websocket' {
  import { EventEmitter } from 'node:events';

  namespace WebSocket {
    interface MessageEvent {
      /** A string for a text message, a Buffer for a binary one. */
      data: string | Buffer;
    }

    interface CloseEvent {
      code: number;
      reason: string;
    }

    class Client extends EventEmitter {
      constructor(url: string, protocols?: string[], options?: { headers?: Record<string, string> });
      readonly readyState: number;
      /** A Buffer goes out as a binary message; anything else as text. */
      send(data: string | Buffer): boolean;
      /** `code` must be 1000 or 3000–4999. */
      close(code?: number, reason?: string): void;
      on(event: 'open', listener: () => void): this;
      on(event: 'message', listener: (event: MessageEvent) => void): this;
      on(event: 'close', listener: (event: CloseEvent) => void): this;
      on(event: 'error', listener: (event: { message: string }) => void): this;
    }
  }

  class WebSocket {
    static Client: typeof WebSocket.Client;
  }

  export = WebSocket;
}
