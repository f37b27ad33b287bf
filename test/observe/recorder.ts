// Subscribes to every upsocket diagnostics channel for one test and keeps what they published.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import { attach, open } from '../../src/adapters/node-http/index.js';
import type { AttachOptions, Handler, UpsocketChannels } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { listen } from '../helpers/server.js';

export type Published = { [Name in keyof UpsocketChannels]: { name: Name; message: UpsocketChannels[Name] } }[keyof UpsocketChannels];

export const channelNames: (keyof UpsocketChannels)[] = [
  'upsocket:upgrade',
  'upsocket:refused',
  'upsocket:open',
  'upsocket:close',
  'upsocket:error',
  'upsocket:heartbeat-timeout',
  'upsocket:pause',
  'upsocket:resume',
  'upsocket:message',
  'upsocket:publish',
  'upsocket:deliver',
  'upsocket:slow-subscriber',
  'upsocket:topic-gap',
];

/** Everything published on upsocket's channels until the test ends. */
export function recordChannels(): Published[] {
  const published: Published[] = [];
  const listeners = channelNames.map((name) => {
    const listener = (message: unknown) => void published.push({ name, message } as Published);
    subscribe(name, listener);
    return [name, listener] as const;
  });
  onCleanup(() => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  });
  return published;
}

/** The messages published on `name`. */
export function on<Name extends keyof UpsocketChannels>(published: Published[], name: Name): UpsocketChannels[Name][] {
  return published.filter((entry) => entry.name === name).map((entry) => entry.message as UpsocketChannels[Name]);
}

/** A node-http server whose every path opens `handler`. */
export async function startServer(handler: Handler, options: AttachOptions = {}) {
  const server = http.createServer((req, res) => {
    if (!open(req, handler)) res.end('plain');
  });
  return listen(server, attach(server, { onRefuse: () => {}, onError: () => {}, ...options }));
}
