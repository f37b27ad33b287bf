import { subscribe } from 'node:diagnostics_channel';
import type { UpsocketChannels } from 'upsocket';
import { stats } from 'upsocket';

stats(); // start counting now
subscribe('upsocket:close', (message) => {
  const { code, reason, duration, request } = message as UpsocketChannels['upsocket:close'];
  if (code !== 1000) console.warn(`${request.url} closed ${code} ${reason} after ${duration} ms`);
});
setInterval(() => console.info(JSON.stringify(stats())), 60_000).unref();
