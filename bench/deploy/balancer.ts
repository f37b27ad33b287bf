// The load balancer in front of the deploy scenario's servers, from Debian, configured and
// started by the bench in a temporary directory as a child in the foreground. nginx runs
// docs/deployment.md's own configuration (test/helpers/nginx.ts reads it from the page), with the
// upstream's servers replaced by the scenario's; HAProxy runs the page's HAProxy block likewise
// (test/helpers/haproxy.ts).
import { HaProxy, haproxyConfig } from '../../test/helpers/haproxy.js';
import { deploymentConfig, Nginx } from '../../test/helpers/nginx.js';

export type BalancerName = 'nginx' | 'haproxy';

export interface Balancer {
  readonly name: BalancerName;
  readonly port: number;
  /** What the balancer's error log says (upstream connect failures, timeouts); undefined when it is not collected. */
  errorLog(): string | undefined;
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

async function startNginx(ports: number[]): Promise<Balancer & { notes: string[] }> {
  const { site, main, notes } = nginxSite(ports);
  const nginx = await Nginx.start({ site, main });
  return { name: 'nginx', port: nginx.port, errorLog: () => nginx.errorLog(), stop: () => nginx.stop(), notes };
}

/**
 * docs/deployment.md's HAProxy block with `ports` as the backend's servers (each keeping the page's
 * parameters) and `{port}` to bind. A `global` section with `maxconn 9900` goes first when the page
 * has none: two descriptors per proxied connection within this machine's 20,000.
 */
export function haproxySite(ports: number[]): { config: string; notes: string[] } {
  const page = haproxyConfig();
  const notes: string[] = [];
  const line = /^(\s*)server \S+ 127\.0\.0\.1:\d+([^\n]*)$/m.exec(page);
  if (line === null) throw new Error("docs/deployment.md's haproxy backend has no `server <name> 127.0.0.1:<port>` line");
  const servers = ports.map((port, index) => `${line[1]}server s${index + 1} 127.0.0.1:${port}${line[2]}`).join('\n');
  let config = page.replace(/^\s*server \S+ 127\.0\.0\.1:\d+[^\n]*\n/gm, '').replace(/^backend app\n/m, `backend app\n${servers}\n`);
  config = config.replace(/^(\s*bind [^\n]*):\d+/m, '$1:{port}');
  if (!/^global/m.test(config)) config = `global\n    maxconn 9900\n\n${config}`;
  if (!/retry-on [^\n]*503/.test(config)) notes.push("docs/deployment.md's haproxy block does not retry a 503 elsewhere");
  return { config, notes };
}

async function startHaproxy(ports: number[]): Promise<Balancer & { notes: string[] }> {
  const { config, notes } = haproxySite(ports);
  const proxy = await HaProxy.start(config);
  return { name: 'haproxy', port: proxy.port, notes, errorLog: () => undefined, stop: () => proxy.stop() };
}

export function startBalancer(name: BalancerName, ports: number[]): Promise<Balancer & { notes: string[] }> {
  return name === 'nginx' ? startNginx(ports) : startHaproxy(ports);
}
