// The Markdown report: the table, what each row measures, the machine and how to reproduce.
import type { BenchResults } from '../results.js';
import { formatCell, naFootnotes } from './format.js';
import { renderObservability } from './observability.js';
import { renderTargets } from './targets.js';

export function renderMarkdown(results: BenchResults, chartFile: string): string {
  const notes = naFootnotes(results.metrics);
  const { machine, settings } = results;
  const lines = [
    `# upsocket benchmark (${results.mode} run)`,
    '',
    `${results.startedAt} · ${results.durationSeconds} s · ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB · Node ${machine.node} · ${machine.platform} · load average ${results.loadAverage.start.toFixed(1)} at start, ${results.loadAverage.end.toFixed(1)} at end`,
    '',
    `![Ratios to raw ws](${chartFile})`,
    '',
    'Each cell: median over the samples, then (in brackets) its ratio to raw `ws` from the same run. Above 1× is worse, except handshakes per second.',
    '',
    `| metric | ${results.servers.map((server) => server.label).join(' | ')} |`,
    `| --- | ${results.servers.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of results.metrics) {
    const cells = results.servers.map((server) => {
      const cell = row.cells[server.name] ?? { na: 'missing' };
      return formatCell(row, cell, cell.na === undefined ? '' : ` [${notes.get(cell.na)}]`);
    });
    lines.push(`| ${row.label} (${row.unit}) | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const [reason, number] of notes) lines.push(`[${number}] n/a: ${reason}  `);
  lines.push('', '## Per-connection targets', '', 'Ratios and differences between servers of this run (RSS has no bar: it is reported).', '', ...renderTargets(results, true));
  const observability = renderObservability(results, true);
  if (observability.length > 0) {
    lines.push(
      '',
      '## Observability cost',
      '',
      "CPU per echoed 64 B text message with a diagnostics subscriber attached, in the same rounds as the server without one: `stats()` started and `instrument()` of upsocket/otel on an OpenTelemetry SDK `MeterProvider` (in-memory exporter, every 10 s). Both read messages and bytes from the core's counters (a few integer additions per message once started, no channel publish) and subscribe to the other channels (per connection, not per message). With no subscriber a channel costs one `hasSubscribers` read, so the no-subscriber row is the main table's.",
      '',
      ...observability,
    );
  }
  lines.push(
    '',
    '## What the rows measure',
    '',
    `- **CPU per echo**: the server's own \`process.cpuUsage()\` over a ${settings.echo.windowMs} ms window (after ${settings.echo.warmupMs} ms warm-up) divided by the echoes the load generator got back; ${settings.echo.connections} connections × ${settings.echo.inFlight} messages in flight; ${settings.echo.samples} samples per server. Plain WebSocket servers are driven by a raw-frame client (bench/load/raw-client.ts) that costs far less per message than any server, so the server sets the pace; throughput and the user-mode part of the CPU are in latest.json (\`messagesPerSecond-*\`, \`userCpuPerMessage-*\`). The kernel's share is large: on loopback each write syscall also runs the receiving side's TCP processing, so a server that writes once per message (raw ws) pays far more than one that coalesces the writes of a tick (upsocket, the cork reference).`,
    `- **Latency**: round trip seen by the load generator at a fixed ${settings.latency.rate} msg/s over ${settings.latency.connections} connections (64 B text), ${settings.latency.durationMs} ms per sample, ${settings.latency.samples} samples; median of the per-sample p50 and p99.`,
    `- **Handshakes**: ${settings.handshakes.concurrency} loops of connect → one 64 B echo → close, through each framework's route with one middleware before it; server CPU per handshake from the same window, ${settings.handshakes.samples} samples of ${settings.handshakes.windowMs} ms.`,
    `- **Instructions per handshake**: the same connect → echo → close, one at a time, with the server run under valgrind's callgrind (\`node --single-threaded\`, bundled by esbuild so no loader thread compiles inside it): instructions executed by the server process over ${settings.instructions.handshakes} handshakes after ${settings.instructions.warmup} uncounted ones, i.e. in the steady state the CPU row measures (after only 500, V8 was still compiling the handshake path, and compilation was most of the count). User space only (no kernel time), GC included (whether a full GC falls inside the window moves the count), and repeatable to a few % whatever else the machine runs, which CPU time on a shared machine is not. \`npx tsx bench/instructions.ts --servers express-ws,upsocket-express\` runs only this row.`,
    `- **Memory per idle connection**: RSS and heap used after GC with ${settings.idle.connections} idle connections, minus the same after GC before they opened, divided by ${settings.idle.connections}; heartbeats off; ${settings.idle.freshProcess ? 'a fresh server process per sample' : 'the already-running server process (quick mode: a smoke test, not a measurement)'}.`,
    `- **Heartbeat**: idle CPU with the heartbeat at ${settings.idle.heartbeatMs} ms minus idle CPU with it off, both on ${settings.idle.connections} idle connections over ${settings.idle.cpuWindowMs} ms. The cost is one ping and one pong per connection per interval, so it scales with 1/interval: the row is that share of one core × ${settings.idle.heartbeatMs} / 30000, i.e. at upsocket's default 30 s interval. Raw ws uses the ws README ping/terminate pattern. The same samples measure the event-loop delay over two heartbeat rounds (\`perf_hooks.monitorEventLoopDelay\`, 1 ms resolution, its own window after the CPU window): max and p99 of how late a 1 ms timer ran, i.e. how long one heartbeat callback blocks everything else. The heartbeat samples also record how many connections survived (\`heartbeatSurvivors\` in latest.json): fewer than all means the load generator answered pings too late and the CPU figure is low.`,
    `- **Broadcast**: inside the server, one 64 B text message to every idle connection (upsocket: \`sendText\` over \`upsocket.connections\`; ws-based peers: \`ws.send\` over the ws server's clients; socket.io: \`io.emit\`), from the first send to the end of the tick in which the writes left (upsocket flushes corked writes at the end of the tick), plus any wait until no socket has unsent bytes; median of ${settings.idle.broadcastRepeats - 1} broadcasts after one warm-up broadcast. With small messages this is mostly the kernel's cost of one write per connection, so the differences between libraries are small next to the noise.`,
    '- **Topics** (upsocket only; `bench/topics.ts`): `topics.publish()` of one 64 B message to every connection subscribed to one topic (memory backend, 10,000 connections, 1,000 in quick mode; the frame is built once), until the last client received it; publish-to-arrival latency in one server process (memory backend) with history off and on (1,000 messages kept per topic), p50/p99; the replay of 10,000 messages to a subscriber resuming with `upsocket-resume` (envelope, from the upgrade request to the last replayed message, median); publish-to-arrival latency across two processes through a redis-server of its own (p50/p99), with history off and on (Redis Streams); and the same, history off, through a Redis Cluster of three masters on loopback (sharded pub/sub: SPUBLISH/SSUBSCRIBE; needs redis-cli from redis-tools). No raw-ws counterpart, so no ratio.',
    '',
    '## Noise',
    '',
    "The machine is shared (load average above). Raw ws and ws + cork per tick run the same handshake, idle and heartbeat-free code, so their difference in those rows is this run's noise; the per-sample values are in latest.json.",
    '',
    '## How it ran',
    '',
    `Each server runs in its own process (\`node --import tsx --expose-gc bench/server-main.ts <name>\`), the load generator in another, all on loopback; servers alternate within every sampling round. upsocket is loaded from ${results.upsocketSource}, at commit ${results.commit}. Every server echoes text as a string (decoded and re-encoded) and binary as bytes. The \`ws + cork per tick\` row is a reference, not a library: the raw ws server plus upsocket's write strategy (cork on the first send of a tick, uncork at its end), so the gap between it and the upsocket rows is the cost of upsocket's own layers. socket.io speaks its own protocol (engine.io framing, event names) through socket.io-client: compare its row with care.`,
    '',
    'Reproduce: `npm run bench` (full, about 25 minutes on 2 cores) or `npm run bench -- --quick` (under two minutes, a smoke test). Raw numbers: `latest.json` beside this file.',
    '',
  );
  return lines.join('\n');
}
