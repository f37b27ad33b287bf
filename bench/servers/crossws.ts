// crossws's Node adapter on a bare node:http server. Its heartbeat is `idleTimeout` (seconds):
// it pings every peer once per idleTimeout and drops those that did not answer.
import http from 'node:http';
import crossws from 'crossws/adapters/node';
import { countPending, ECHO_PATH, listen, type StartServer } from './contract.js';

export const start: StartServer = async (config) => {
  const adapter = crossws({
    idleTimeout: config.heartbeat === false ? 0 : config.heartbeat / 1000,
    hooks: {
      // The adapter already decoded text frames to a string; binary ones stay a Buffer.
      message: (peer, message) => void peer.send(message.rawData),
    },
  });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== ECHO_PATH) return void socket.destroy();
    void adapter.handleUpgrade(req, socket, head);
  });
  return {
    port: await listen(server),
    connections: () => {
      let count = 0;
      for (const set of adapter.peers.values()) count += set.size;
      return count;
    },
    broadcast: (text) => {
      for (const set of adapter.peers.values()) for (const peer of set) peer.send(text);
    },
    pending: () => {
      let pending = 0;
      for (const set of adapter.peers.values()) pending += countPending(set);
      return pending;
    },
  };
};
