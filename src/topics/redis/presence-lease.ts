import type { RedisClient } from './redis-link.js';
import { ALIVE_SCRIPT, CLAIM_SCRIPT, LEASE_SCRIPT } from './presence-scripts.js';
import type { LeaseKeys } from './presence-keys.js';

interface LeaseCommands {
  upsocketPresenceLease(leases: string, generations: string, process: string, generation: string, lease: string, register: string): Promise<number>;
  upsocketPresenceClaim(leases: string, generations: string, most: string): Promise<string[]>;
  upsocketPresenceAlive(leases: string, generations: string, ...processes: string[]): Promise<string[]>;
}

/** How many lapsed leases one sweep claims at most; the next sweep takes the rest. */
const CLAIM_AT_ONCE = 100;

/**
 * @internal One process's liveness lease in Redis, under a generation, and the reading of the
 * others'. The lease is a score in one zset (Redis's clock, so every process judges alike); it is
 * renewed every third of its length. Renewal finding it gone (swept after it lapsed, or lost with
 * Redis's data) is what makes the process register a new generation and write its entries again.
 */
export class PresenceLease {
  readonly #client: RedisClient & LeaseCommands;
  readonly #keys: LeaseKeys;
  readonly #length: number;
  readonly #process: string;
  /** 0 until registered; then the generation this process's entries are written under. */
  #generation = 0;
  /** When (performance.now()) the last renewal that succeeded was sent: the lease runs at least until then + length. */
  #confirmedAt = -Infinity;

  constructor(client: RedisClient, keys: LeaseKeys, length: number, process: string) {
    client.defineCommand('upsocketPresenceLease', { numberOfKeys: 2, lua: LEASE_SCRIPT });
    client.defineCommand('upsocketPresenceClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
    client.defineCommand('upsocketPresenceAlive', { numberOfKeys: 2, lua: ALIVE_SCRIPT });
    this.#client = client as RedisClient & LeaseCommands;
    this.#keys = keys;
    this.#length = length;
    this.#process = process;
  }

  get generation(): number {
    return this.#generation;
  }

  /**
   * Whether entries may be written under the current generation now: renewed within two thirds of
   * the lease (local clock), so that the lease has not lapsed in Redis meanwhile, give or take the
   * two clocks' rates.
   */
  get fresh(): boolean {
    return this.#generation > 0 && performance.now() - this.#confirmedAt < (this.#length * 2) / 3;
  }

  /**
   * Renews the lease, or registers a new generation when it is gone (or never was). Resolves to
   * true when a new generation was registered: every entry must then be written again under it.
   */
  async renew(): Promise<boolean> {
    const sentAt = performance.now();
    if (this.#generation > 0) {
      const renewed = await this.#client.upsocketPresenceLease(this.#keys.leases, this.#keys.generations, this.#process, String(this.#generation), String(this.#length), '0');
      if (renewed === 1) {
        this.#confirmedAt = sentAt;
        return false;
      }
    }
    const generation = this.#generation + 1;
    await this.#client.upsocketPresenceLease(this.#keys.leases, this.#keys.generations, this.#process, String(generation), String(this.#length), '1');
    this.#generation = generation;
    this.#confirmedAt = sentAt;
    return true;
  }

  /** Claims lapsed leases (each for one sweeper): [process, generation] pairs. */
  async claimLapsed(): Promise<[string, number][]> {
    const flat = await this.#client.upsocketPresenceClaim(this.#keys.leases, this.#keys.generations, String(CLAIM_AT_ONCE));
    const claimed: [string, number][] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) claimed.push([flat[index]!, Number(flat[index + 1])]);
    return claimed;
  }

  /** Each process's generation while its lease runs, undefined when it lapsed or is unknown. */
  async alive(processes: string[]): Promise<(number | undefined)[]> {
    if (processes.length === 0) return [];
    const answers = await this.#client.upsocketPresenceAlive(this.#keys.leases, this.#keys.generations, ...processes);
    return answers.map((answer) => (answer === '' ? undefined : Number(answer)));
  }

  /** Gives the lease up (the process closes): it is not swept, its entries were removed by the process. */
  async release(): Promise<void> {
    if (this.#generation === 0) return;
    await Promise.all([this.#client.zrem(this.#keys.leases, this.#process), this.#client.hdel(this.#keys.generations, this.#process)]);
    this.#generation = 0;
  }
}
