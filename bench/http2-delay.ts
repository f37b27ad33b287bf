// A TCP proxy that delays every byte by half a round trip each way, for bench/http2.ts's "time until
// open over a network" row: on loopback a round trip costs nothing, so the difference between one
// round trip (a stream on the page's HTTP/2 connection) and three (TCP, TLS, upgrade) cannot show.
// The first bytes a client sends also wait one whole round trip, the TCP handshake the proxy's
// local accept skipped. Order is kept: one queue per direction.
import net, { type AddressInfo, type Socket } from 'node:net';

/** Forwards `from` to `to`, each chunk `delayMs` later, none before `notBefore` (a performance.now() time). */
function relay(from: Socket, to: Socket, delayMs: number, notBefore: number): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= performance.now()) {
      const { chunk } = queue.shift()!;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - performance.now());
  };
  const push = (chunk: Buffer | null): void => {
    queue.push({ at: Math.max(performance.now() + delayMs, notBefore), chunk });
    timer ??= setTimeout(flush, queue[0]!.at - performance.now());
  };
  from.on('data', push);
  from.on('end', () => push(null));
}

/** Listens on a loopback port and forwards to `targetPort` with `rttMs` of round trip. */
export async function delayingProxy(targetPort: number, rttMs: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, rttMs / 2, performance.now() + rttMs);
    relay(upstream, client, rttMs / 2, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
