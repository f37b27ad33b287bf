// Starting the load generator and the servers, each a process of its own.
import { Child } from './ipc.js';
import type { CpuSample } from './servers/contract.js';
import type { ServerEntry } from './servers/index.js';

/** A server process and the port its echo endpoint listens on. */
export interface RunningServer {
  entry: ServerEntry;
  child: Child;
  port: number;
}

/** Room for the sockets themselves plus what node and the libraries keep open. */
function fileLimitFor(connections: number): number {
  return connections + 2048;
}

export interface ServerStartOptions {
  heartbeat: number | false;
  connections: number;
  /** Extra node flags, e.g. --cpu-prof for the profiling run. */
  nodeFlags?: string[];
}

export async function startServer(entry: ServerEntry, options: ServerStartOptions): Promise<RunningServer> {
  const child = new Child('./server-main.ts', [entry.name, options.heartbeat === false ? 'off' : String(options.heartbeat)], {
    nodeFlags: ['--expose-gc', ...(options.nodeFlags ?? [])],
    fileLimit: fileLimitFor(options.connections),
  });
  const { port } = (await child.ready) as { port: number };
  return { entry, child, port };
}

export async function startLoadGenerator(connections: number): Promise<Child> {
  const child = new Child('./load/main.ts', [], { fileLimit: fileLimitFor(connections) });
  await child.ready;
  return child;
}

/** The server's CPU time (µs) and the load generator's running count, read together. */
export async function snapshot<T>(server: RunningServer, load: Child, countCommand: string): Promise<{ cpu: number; user: number; count: T; at: number }> {
  const [cpu, count] = await Promise.all([server.child.request<CpuSample>('cpu'), load.request<T>(countCommand)]);
  return { cpu: cpu.cpu, user: cpu.user, count, at: performance.now() };
}
