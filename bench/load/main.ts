// The load generator: a process of its own, separate from every server, driven by the harness.
import { serveRequests } from '../ipc.js';
import { EchoLoad, HandshakeLoad, type EchoArgs, type HandshakeArgs } from './echo.js';
import { IdleLoad, type IdleArgs } from './idle.js';
import { measureLatency, type LatencyArgs } from './latency.js';

let echo: EchoLoad | undefined;
let handshakes: HandshakeLoad | undefined;
let idle: IdleLoad | undefined;

serveRequests({
  'echo-start': async (args: EchoArgs) => {
    echo = new EchoLoad();
    await echo.start(args);
  },
  'echo-count': () => echo?.received ?? 0,
  'echo-stop': async () => {
    await echo?.stop();
    echo = undefined;
  },
  'handshake-start': (args: HandshakeArgs) => {
    handshakes = new HandshakeLoad();
    handshakes.start(args);
  },
  'handshake-count': () => ({ completed: handshakes?.completed ?? 0, failed: handshakes?.failed ?? 0 }),
  'handshake-stop': async () => {
    await handshakes?.stop();
    handshakes = undefined;
  },
  latency: (args: LatencyArgs) => measureLatency(args),
  'idle-open': (args: IdleArgs) => {
    idle = new IdleLoad();
    return idle.open(args);
  },
  'idle-received': () => idle?.received ?? 0,
  'idle-close': async () => {
    await idle?.close();
    idle = undefined;
  },
});
