/** Every knob of one run. `full` is what the committed report comes from; `quick` is for CI. */
export interface BenchSettings {
  mode: 'full' | 'quick';
  echo: { samples: number; connections: number; inFlight: number; warmupMs: number; windowMs: number };
  latency: { samples: number; connections: number; rate: number; warmupMs: number; durationMs: number };
  handshakes: { samples: number; concurrency: number; warmupMs: number; windowMs: number };
  /** The instruction count under callgrind (bench/measure/instructions.ts): handshakes one at a time. */
  instructions: { warmup: number; handshakes: number };
  idle: {
    samples: number;
    connections: number;
    /** Broadcasts per sample; the first only warms up and is not counted. */
    broadcastRepeats: number;
    /** Length of the idle-CPU windows, with the heartbeat off and with it at `heartbeatMs`. */
    cpuWindowMs: number;
    /**
     * The short interval the heartbeat is measured at; the report scales it to the 30 s default.
     * Not shorter than 2 s: on a loaded machine the load generator then answers 10,000 pings late
     * and heartbeats start dropping live connections.
     */
    heartbeatMs: number;
    /** Start each idle phase in a fresh server process, so earlier load does not hide memory growth. */
    freshProcess: boolean;
  };
}

/** upsocket's default heartbeat interval, which the heartbeat row is normalised to. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

export const FULL: BenchSettings = {
  mode: 'full',
  echo: { samples: 5, connections: 50, inFlight: 16, warmupMs: 1000, windowMs: 2000 },
  latency: { samples: 3, connections: 50, rate: 5000, warmupMs: 500, durationMs: 2000 },
  handshakes: { samples: 5, concurrency: 8, warmupMs: 500, windowMs: 3000 },
  // Steady state, as in the CPU row (thousands of handshakes per sample): after 500 handshakes V8
  // was still compiling the handshake path, and compilation was most of the count.
  instructions: { warmup: 6000, handshakes: 2000 },
  idle: { samples: 2, connections: 10_000, broadcastRepeats: 15, cpuWindowMs: 6000, heartbeatMs: 2000, freshProcess: true },
};

export const QUICK: BenchSettings = {
  mode: 'quick',
  echo: { samples: 1, connections: 50, inFlight: 16, warmupMs: 150, windowMs: 300 },
  latency: { samples: 1, connections: 20, rate: 2000, warmupMs: 100, durationMs: 300 },
  handshakes: { samples: 1, concurrency: 8, warmupMs: 100, windowMs: 300 },
  instructions: { warmup: 20, handshakes: 20 },
  idle: { samples: 1, connections: 500, broadcastRepeats: 3, cpuWindowMs: 300, heartbeatMs: 250, freshProcess: false },
};
