import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

/** The properties the destructuring in `settledRequest()` leaves out. */
const exchangeOnly = [
  'res', 'next', 'parser', 'client', '_parsedUrl', '_parsedOriginalUrl', 'rawHeaders', 'rawTrailers',
  '_events', '_readableState', '_maxListeners', '_consuming', '_dumped', 'aborted', 'statusCode', 'statusMessage', 'joinDuplicateHeaders',
];

/**
 * What the copies read instead of the stream fields left out: the values every upgraded request
 * has, on their shared prototype rather than in each copy.
 */
const settledDefaults = { _consuming: false, _dumped: false, aborted: false, statusCode: null, statusMessage: null, joinDuplicateHeaders: undefined };

/** The request's body ended with its head: a stream state that says so, made only if asked for. */
function endedReadableState(this: IncomingMessage): unknown {
  const state = new (Readable as unknown as { ReadableState: new (options: object, stream: object, isDuplex: boolean) => Record<string, unknown> }).ReadableState({}, this, false);
  state.ended = true;
  state.endEmitted = true;
  Object.defineProperty(this, '_readableState', { value: state, writable: true, enumerable: true, configurable: true });
  return state;
}

/**
 * Per prototype of the routed requests, the prototype of their settled copies: it adds
 * `rawHeaders` and `rawTrailers` as getters, so the copies need not keep the raw header strings
 * (the biggest part of a request) and code reading them still gets an answer.
 */
const settledPrototypes = new WeakMap<object, object>();

/** `headers` flattened back to `[name, value, …]`: lowercase names, as Node joined them. */
function rawHeadersOf(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const item of value) raw.push(name, item);
    else if (value !== undefined) raw.push(name, value);
  }
  return raw;
}

function settledPrototypeOf(prototype: object): object {
  let settled = settledPrototypes.get(prototype);
  if (settled === undefined) {
    const ownValue = (key: string) =>
      function set(this: object, value: unknown): void {
        Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
      };
    settled = Object.create(prototype, {
      ...Object.fromEntries(Object.entries(settledDefaults).map(([key, value]) => [key, { value, writable: true, configurable: true }])),
      // Writable: Node's stream code assigns it on its own objects; here it is made when first read.
      _readableState: { get: endedReadableState, set: ownValue('_readableState'), configurable: true },
      rawHeaders: {
        get(this: IncomingMessage): string[] {
          return rawHeadersOf(this.headers);
        },
        set: ownValue('rawHeaders'),
        configurable: true,
      },
      rawTrailers: {
        get(): string[] {
          return [];
        },
        set: ownValue('rawTrailers'),
        configurable: true,
      },
    }) as object;
    settledPrototypes.set(prototype, settled);
  }
  return settled;
}

/** Copies of requests with one set of own keys: which keys, and the constructor that copies them. */
interface Copier {
  keys: readonly (string | symbol)[];
  /** How many of `keys` are enumerable strings: the length of `Object.values()` of such a request. */
  values: number;
  /** Undefined for keys only the general copy handles (see `makeCopier()`). */
  Settled: (new (request: object, values: unknown[]) => object) | undefined;
}

/** Per prototype of the routed requests, the copiers made so far (a handful at most). */
const copiers = new WeakMap<object, Copier[]>();
const maxCopiers = 8;
const excluded = new Set<string | symbol>(exchangeOnly);

function sameKeys(a: readonly (string | symbol)[], b: readonly (string | symbol)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A constructor that copies a request with exactly `keys`: `this.url = values[i]` for each kept
 * enumerable string key (values from one `Object.values()`, which reads a one-off hidden class far
 * faster than a load per key), `this[symbol] = request[symbol]` for each enumerable symbol. Made
 * with `new Function` once per set of keys. Without one (`Settled` undefined) when the request has
 * a non-enumerable own property to carry over or a `__proto__` key, or code generation is off
 * (`--disallow-code-generation-from-strings`): those take the general copy.
 */
function makeCopier(request: object, keys: readonly (string | symbol)[], prototype: object): Copier {
  const lines: string[] = [];
  const symbols: symbol[] = [];
  let values = 0;
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(request, key)!;
    if (key === '__proto__' || (descriptor.enumerable !== true && !excluded.has(key))) return { keys, values: -1, Settled: undefined };
    if (typeof key === 'symbol') {
      if (descriptor.enumerable === true) lines.push(`this[s${symbols.push(key) - 1}] = request[s${symbols.length - 1}];`);
      continue;
    }
    if (descriptor.enumerable === true && !excluded.has(key)) lines.push(`this[${JSON.stringify(key)}] = values[${values}];`);
    if (descriptor.enumerable === true) values++;
  }
  const names = symbols.map((_, index) => `s${index}`);
  let Settled: NonNullable<Copier['Settled']>;
  try {
    Settled = new Function(...names, `return function SettledRequest(request, values) {\n${lines.join('\n')}\n};`)(...symbols) as NonNullable<Copier['Settled']>;
  } catch {
    return { keys, values: -1, Settled: undefined };
  }
  Settled.prototype = settledPrototypeOf(prototype);
  return { keys, values, Settled };
}

function copierFor(request: object, keys: readonly (string | symbol)[], prototype: object): Copier {
  let known = copiers.get(prototype);
  if (known === undefined) copiers.set(prototype, (known = []));
  for (const copier of known) if (sameKeys(copier.keys, keys)) return copier;
  const copier = makeCopier(request, keys, prototype);
  if (known.length < maxCopiers) known.push(copier);
  return copier;
}

/** The general copy, for requests no copier fits: object rest, then the prototype, then non-enumerable own properties. */
function copyRequest(request: IncomingMessage, prototype: object, keys: readonly (string | symbol)[]): IncomingMessage {
  const {
    res, next, parser, client, _parsedUrl, _parsedOriginalUrl, rawHeaders, rawTrailers,
    _events, _readableState, _maxListeners, _consuming, _dumped, aborted, statusCode, statusMessage, joinDuplicateHeaders,
    ...settled
  } = request as IncomingMessage & Record<string, unknown>;
  Object.setPrototypeOf(settled, settledPrototypeOf(prototype));
  // Object rest copies enumerable properties (an enumerable getter's value as it is now); one the
  // app defined as non-enumerable keeps its definition.
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(request, key)!;
    if (descriptor.enumerable !== true && !excluded.has(key)) Object.defineProperty(settled, key, descriptor);
  }
  return settled as unknown as IncomingMessage;
}

/**
 * @internal The request a connection keeps for its life (`connection.request`).
 *
 * A request whose framework replaced its prototype (Express does, per app) is copied: the copy
 * has the same prototype chain (so `req.get()`, `req.ip` work) and the same own enumerable
 * properties (whatever the app's middleware attached), minus what belonged to the finished HTTP
 * exchange: the response and the router's continuation (`req.res`, `req.next`), the HTTP
 * parser, Express's parsed-URL caches (recomputed on use) and the raw header lists (`rawHeaders`
 * is rebuilt from `headers` when read). Why: after `Object.setPrototypeOf`, V8 gives each
 * request a hidden class of its own, about 1 KiB per connection; copies with the same properties
 * share one, and the routed request can be freed. The copy is made by a constructor generated per
 * set of own keys (`copierFor()`), so copies stay fast objects with one hidden class (V8 turns an
 * object given more than a dozen properties through computed keys into a dictionary).
 *
 * Any other request (node:http, Koa, Next.js) is kept as it is: it shares its hidden class with
 * every other request already, and the framework's own objects (Koa's `ctx.req`) point to it.
 */
export function settledRequest(request: IncomingMessage): IncomingMessage {
  const prototype = Object.getPrototypeOf(request) as object;
  if (prototype === IncomingMessage.prototype) return request;
  // Node builds `headers` from rawHeaders on first read: build it on the original, carried over.
  void request.headers;
  const keys = Reflect.ownKeys(request);
  const { Settled, values: valueCount } = copierFor(request, keys, prototype);
  if (Settled === undefined) return copyRequest(request, prototype, keys);
  const values = Object.values(request);
  // The same keys with another one enumerable: not what the copier was made for.
  if (values.length !== valueCount) return copyRequest(request, prototype, keys);
  return new Settled(request, values) as IncomingMessage;
}
