// The load balancer in front of the deploy scenario's servers, from Debian, configured and
// started by the bench in a temporary directory as a child in the foreground. nginx runs
// docs/deployment.md's own configuration (test/helpers/nginx.ts reads it from the page), with the
// upstream's one server replaced by the scenario's; HAProxy runs the equivalent below.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentConfig, Nginx } from '../../test/helpers/nginx.js';
import { freePort } from '../../test/helpers/redis-server.js';

export type BalancerName = 'nginx' | 'haproxy';

export interface Balancer {
  readonly name: BalancerName;
  readonly port: number;
  /** What the balancer's error log says (upstream connect failures, timeouts). */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * docs/deployment.md's nginx site with `ports` as its upstream servers (each keeping the page's
 * server parameters) and `{port}` to listen on. Where the page lacks what a rolling deploy needs
 * (`max_fails=0`, `proxy_next_upstream … http_502 http_503`), it is added and said in `notes`.
 */
export function nginxSite(ports: number[]): { site: string; main: string; notes: string[] } {
  const { site, main } = deploymentConfig();
  const notes: string[] = [];
  const upstream = /upstream app \{\n([\s\S]*?)\}/.exec(site);
  if (upstream === null) throw new Error("docs/deployment.md's nginx site has no `upstream app { … }` block");
  const line = /^(\s*)server 127\.0\.0\.1:\d+([^;\n]*);$/m.exec(upstream[1]!);
  if (line === null) throw new Error("docs/deployment.md's upstream has no `server 127.0.0.1:<port> …;` line");
  const indent = line[1]!;
  let parameters = line[2]!;
  if (!/max_fails=0/.test(parameters)) {
    notes.push('added max_fails=0 (not in docs/deployment.md)');
    parameters += ' max_fails=0';
  }
  const servers = ports.map((port) => `${indent}server 127.0.0.1:${port}${parameters};`).join('\n');
  const body = upstream[1]!.replace(/^\s*server 127\.0\.0\.1:\d+[^;\n]*;\n/gm, '');
  let configured = site.replace(upstream[0], `upstream app {\n${servers}\n${body}}`).replace(/listen \d+;/, 'listen {port};');
  if (!/proxy_next_upstream /.test(configured)) {
    notes.push('added proxy_next_upstream error timeout http_502 http_503 (not in docs/deployment.md)');
    configured = configured.replace(/(\n(\s*))proxy_pass http:\/\/app;/, '$1proxy_pass http://app;$1proxy_next_upstream error timeout http_502 http_503;');
  }
  // The page's main block is for one worker; the scenario's thousands of clients and their
  // reconnects need the descriptors of both cores' workers (each ≤ 20,000, this machine's limit).
  const mainConfig = /worker_processes/.test(main) ? main : `worker_processes 2;\n${main}`;
  return { site: configured, main: mainConfig, notes };
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function startNginx(ports: number[]): Promise<Balancer & { notes: string[] }> {
  const { site, main, notes } = nginxSite(ports);
  const nginx = await Nginx.start({ site, main });
  return { name: 'nginx', port: nginx.port, errorLog: () => nginx.errorLog(), stop: () => nginx.stop(), notes };
}

/** HAProxy with what the nginx page documents: no health checks (nothing marks a server down), retries on a refused connection or a 502/503 on another server, timeouts above the heartbeat. */
function haproxyConfig(port: number, ports: number[], directory: string): string {
  return [
    'global',
    // Two descriptors per proxied connection, within the 20,000 a process may hold here.
    '    maxconn 9900',
    `    log stderr format short local0 warning`,
    'defaults',
    '    mode http',
    '    log global',
    '    option httplog',
    '    timeout connect 5s',
    '    timeout client 75s',
    '    timeout server 75s',
    '    timeout tunnel 75s',
    '    retries 3',
    '    option redispatch 1',
    '    retry-on conn-failure empty-response 502 503',
    'frontend deploy',
    `    bind *:${port}`,
    '    default_backend app',
    'backend app',
    '    balance roundrobin',
    ...ports.map((serverPort, index) => `    server s${index + 1} 127.0.0.1:${serverPort}`),
    `# ${directory}`,
    '',
  ].join('\n');
}

/** Debian's haproxy (not a test's external program: only the bench runs it). */
function haproxyPath(): string {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(candidate)) return candidate;
  throw new Error('--balancer haproxy: haproxy is not installed (apt-get install -y haproxy)');
}

async function startHaproxy(ports: number[]): Promise<Balancer & { notes: string[] }> {
  const directory = mkdtempSync(join(tmpdir(), 'upsocket-haproxy-'));
  const port = await freePort();
  const file = join(directory, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(port, ports, directory));
  const child: ChildProcess = spawn(haproxyPath(), ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-1_000_000)));
  for (let waited = 0; !(await accepts(port)); waited += 20) {
    if (child.exitCode !== null || waited > 10_000) throw new Error(`haproxy did not start: ${log}\n${readFileSync(file, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    name: 'haproxy',
    port,
    notes: [],
    errorLog: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function startBalancer(name: BalancerName, ports: number[]): Promise<Balancer & { notes: string[] }> {
  return name === 'nginx' ? startNginx(ports) : startHaproxy(ports);
}
