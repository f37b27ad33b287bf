// Many idle connections, opened from several source addresses; counts what the server pushes
// to them (broadcasts) so the harness can wait until every copy arrived.
import { connect, connectMany, localAddressFor, type BenchClient, type ClientKind } from './client.js';

export interface IdleArgs {
  port: number;
  kind: ClientKind;
  count: number;
}

export class IdleLoad {
  received = 0;
  #clients: BenchClient[] = [];

  async open(args: IdleArgs): Promise<number> {
    this.#clients = await connectMany(args.count, 64, (index) =>
      connect({ kind: args.kind, port: args.port, localAddress: localAddressFor(index), onMessage: () => void this.received++ }),
    );
    return this.#clients.length;
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.terminate();
    await Promise.all(this.#clients.map((client) => client.closed));
    this.#clients = [];
  }
}
