// The two peers the suite drives ship no types; these cover only what the bench servers call.

declare module 'express-ws' {
  import type { Server } from 'node:http';
  import type { Express, Request } from 'express';
  import type { WebSocket, WebSocketServer } from 'ws';

  interface Instance {
    app: Express & { ws(path: string, handler: (ws: WebSocket, req: Request) => void): void };
    getWss(): WebSocketServer;
  }
  export default function expressWs(app: Express, server?: Server): Instance;
}

declare module 'koa-websocket' {
  import type { Server } from 'node:http';
  import type Koa from 'koa';
  import type { WebSocket, WebSocketServer } from 'ws';

  type WsContext = Koa.ParameterizedContext & { websocket: WebSocket };
  type WsMiddleware = (ctx: WsContext, next: () => Promise<unknown>) => unknown;
  type WsApp = Koa & {
    ws: { use(middleware: WsMiddleware): unknown; server: WebSocketServer };
    listen(port: number, host: string, callback: () => void): Server;
  };
  export default function websockify(app: Koa): WsApp;
}
