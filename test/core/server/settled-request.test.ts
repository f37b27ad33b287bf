// The settled copy of a request whose framework replaced its prototype (what Express does), fed
// request-shaped objects directly: the copy per set of keys (a generated constructor) and the
// general copy must give the same result. The adapters' tests check it on real Express requests.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { settledRequest } from '../../../src/core/server/settled-request.js';

const appRequest = Object.create(IncomingMessage.prototype, {
  get: {
    value(this: IncomingMessage, name: string) {
      return this.headers[name.toLowerCase()];
    },
  },
}) as object;
const traced = Symbol('router.traced');

/** An upgrade request as Express leaves it after routing: its prototype swapped, its own fields added. */
function routedRequest(extra: (request: Record<string | symbol, unknown>) => void = () => {}): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = '/rooms/lobby';
  request.rawHeaders = ['Host', 'example.test', 'X-User', 'u1'];
  // What Node's parser would have made of them (its count of raw headers is not ours to set).
  request.headers = { host: 'example.test', 'x-user': 'u1' };
  Object.setPrototypeOf(request, appRequest);
  const fields = request as unknown as Record<string | symbol, unknown>;
  fields.res = { finished: true };
  fields.next = () => {};
  fields.params = { room: 'lobby' };
  fields.user = { id: 'u1' };
  fields[traced] = '/rooms/:room';
  extra(fields);
  return request;
}

function view(request: IncomingMessage): unknown {
  const fields = request as unknown as Record<string | symbol, unknown>;
  return {
    prototypeChain: Object.getPrototypeOf(Object.getPrototypeOf(request)) === appRequest,
    url: request.url,
    method: request.method,
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    get: (request as unknown as { get(name: string): unknown }).get('X-User'),
    params: fields.params,
    user: fields.user,
    traced: fields[traced],
    res: Object.hasOwn(request, 'res'),
    next: Object.hasOwn(request, 'next'),
    readableEnded: request.readableEnded,
  };
}

const expected = {
  prototypeChain: true,
  url: '/rooms/lobby',
  method: 'GET',
  headers: { host: 'example.test', 'x-user': 'u1' },
  rawHeaders: ['host', 'example.test', 'x-user', 'u1'],
  get: 'u1',
  params: { room: 'lobby' },
  user: { id: 'u1' },
  traced: '/rooms/:room',
  res: false,
  next: false,
  readableEnded: true,
};

describe('settledRequest()', () => {
  it('copies requests with the same keys through the constructor made for them, as the general copy would', () => {
    const first = settledRequest(routedRequest());
    const second = settledRequest(routedRequest());
    expect(view(first)).toEqual(expected);
    expect(view(second)).toEqual(expected);
  });

  it('copies a request with a key the others lack (an enumerable symbol too) with all of its own fields', () => {
    settledRequest(routedRequest());
    const tag = Symbol('tag');
    const copy = settledRequest(
      routedRequest((fields) => {
        fields.session = 's1';
        fields[tag] = 't';
      }),
    ) as unknown as Record<string | symbol, unknown>;
    expect(view(copy as unknown as IncomingMessage)).toEqual(expected);
    expect(copy.session).toBe('s1');
    expect(copy[tag]).toBe('t');
  });

  it('keeps a non-enumerable own property as it was defined (the general copy)', () => {
    const copy = settledRequest(
      routedRequest((fields) => Object.defineProperty(fields, 'secret', { value: 'hidden', enumerable: false })),
    ) as unknown as Record<string, unknown>;
    expect(view(copy as unknown as IncomingMessage)).toEqual(expected);
    expect(copy.secret).toBe('hidden');
    expect(Object.getOwnPropertyDescriptor(copy, 'secret')?.enumerable).toBe(false);
  });

  it('copies an own "__proto__" key as data, without touching the prototype', () => {
    const copy = settledRequest(routedRequest((fields) => Object.defineProperty(fields, '__proto__', { value: 'data', enumerable: true, writable: true, configurable: true })));
    expect(view(copy)).toEqual(expected);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toBe('data');
  });

  it('leaves a request with the plain node:http prototype as it is', () => {
    const request = new IncomingMessage(new Socket());
    expect(settledRequest(request)).toBe(request);
  });
});
