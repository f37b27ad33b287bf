// upsocket node-http with `stats()` started: its counters subscribe to every diagnostics channel,
// so each echo publishes two `upsocket:message` events (receive, send). The observability-cost table.
import { stats } from 'upsocket';
import type { StartServer } from './contract.js';
import { start as startNodeHttp } from './upsocket-node-http.js';

export const start: StartServer = async (config) => {
  stats();
  return startNodeHttp(config);
};
