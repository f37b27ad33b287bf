// upsocket node-http with `stats()` started: messages and bytes are the core's counters (no
// `upsocket:message` event per echo), the rest a subscriber of the other diagnostics channels.
// The observability-cost table.
import { stats } from 'upsocket';
import type { StartServer } from './contract.js';
import { start as startNodeHttp } from './upsocket-node-http.js';

export const start: StartServer = async (config) => {
  stats();
  return startNodeHttp(config);
};
