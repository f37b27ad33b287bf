/** Every server in the suite, in table order; `file` is its module in this folder. */
export interface ServerEntry {
  name: string;
  label: string;
  file: string;
  /** Which client drives it: plain WebSocket, or socket.io's own (a different protocol). */
  client: 'ws' | 'socket.io';
  /** How its heartbeat exists, or null with the reason it has none. */
  heartbeat: string | null;
  /** Whether upgrades pass through a framework route with one middleware before it. */
  framework: boolean;
  /**
   * Set on a variant of that server with a diagnostics subscriber attached: it runs only the 64 B
   * echo CPU phase, in the same rounds, and is reported as a ratio to it in its own table
   * (observability cost), not as a column of the main one.
   */
  variantOf?: string | undefined;
}

const NO_HEARTBEAT = 'no built-in heartbeat (apps add the ws README pattern: see the ws row)';

export const SERVERS: readonly ServerEntry[] = [
  { name: 'ws', label: 'raw ws (control)', file: 'ws.ts', client: 'ws', heartbeat: 'ws README ping/terminate pattern', framework: false },
  { name: 'ws-corked', label: 'ws + cork per tick (reference)', file: 'ws-corked.ts', client: 'ws', heartbeat: null, framework: false },
  { name: 'upsocket-node-http', label: 'upsocket node-http', file: 'upsocket-node-http.ts', client: 'ws', heartbeat: 'built in', framework: false },
  { name: 'upsocket-express', label: 'upsocket express', file: 'upsocket-express.ts', client: 'ws', heartbeat: 'built in', framework: true },
  { name: 'upsocket-koa', label: 'upsocket koa', file: 'upsocket-koa.ts', client: 'ws', heartbeat: 'built in', framework: true },
  { name: 'express-ws', label: 'express-ws', file: 'express-ws.ts', client: 'ws', heartbeat: null, framework: true },
  { name: 'koa-websocket', label: 'koa-websocket', file: 'koa-websocket.ts', client: 'ws', heartbeat: null, framework: true },
  { name: 'fastify', label: '@fastify/websocket', file: 'fastify.ts', client: 'ws', heartbeat: null, framework: true },
  { name: 'crossws', label: 'crossws (node)', file: 'crossws.ts', client: 'ws', heartbeat: 'idleTimeout sweep', framework: false },
  { name: 'socket.io', label: 'socket.io (other protocol)', file: 'socketio.ts', client: 'socket.io', heartbeat: 'engine.io pingInterval', framework: false },
  { name: 'upsocket-stats', label: 'upsocket node-http + stats()', file: 'upsocket-stats.ts', client: 'ws', heartbeat: 'built in', framework: false, variantOf: 'upsocket-node-http' },
  { name: 'upsocket-otel', label: 'upsocket node-http + OTel instrument()', file: 'upsocket-otel.ts', client: 'ws', heartbeat: 'built in', framework: false, variantOf: 'upsocket-node-http' },
];

/** The columns of the main table: every server that is not a variant. */
export const MAIN_SERVERS: readonly ServerEntry[] = SERVERS.filter((entry) => entry.variantOf === undefined);

export const NO_HEARTBEAT_REASON = NO_HEARTBEAT;

export function serverEntry(name: string): ServerEntry {
  const entry = SERVERS.find((server) => server.name === name);
  if (entry === undefined) throw new Error(`unknown bench server ${name}; known: ${SERVERS.map((s) => s.name).join(', ')}`);
  return entry;
}
