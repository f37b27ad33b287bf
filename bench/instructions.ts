// `npx tsx bench/instructions.ts [--servers express-ws,upsocket-express] [--warmup 6000] [--handshakes 2000]`:
// only the instruction-count row (valgrind's callgrind), for the servers named, with each one's
// ratio to the first. Repeatable to a few % whatever else the machine runs.
import { parseArgs } from 'node:util';
import { countHandshakeInstructions, instructionCountUnavailable } from './measure/instructions.js';
import { serverEntry } from './servers/index.js';
import { FULL } from './settings.js';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'express-ws,upsocket-express' },
    warmup: { type: 'string', default: String(FULL.instructions.warmup) },
    handshakes: { type: 'string', default: String(FULL.instructions.handshakes) },
  },
});
const unavailable = instructionCountUnavailable();
if (unavailable !== undefined) throw new Error(unavailable);
const entries = values.servers.split(',').map(serverEntry);
const settings = { warmup: Number(values.warmup), handshakes: Number(values.handshakes) };
const counts: number[] = [];
for (const entry of entries) {
  counts.push(await countHandshakeInstructions(entry, settings));
  const ratio = counts.at(-1)! / counts[0]!;
  console.log(`${entry.label.padEnd(28)} ${Math.round(counts.at(-1)! / 1000)}k instructions per handshake (${ratio.toFixed(3)}× ${entries[0]!.label})`);
}
