// The measured side of bench/client/receive.ts: one `reconnecting(url, handler, { resume: true })`
// (`{ resume: false }` when the second argument is `off`)
// client whose handler does what the deploy bench's load does with each message (`message.text()`,
// then `JSON.parse`). Each line on stdin (a count) asks the server for that many envelope
// messages; once they have all arrived the child prints `RECEIVED <count>`.
import { createInterface } from 'node:readline';
import { reconnecting } from '../../src/index.js';

let expected = 0;
let received = 0;
let checksum = 0;
let ask: ((count: number) => void) | undefined;

reconnecting(
  process.argv[2]!,
  async (connection) => {
    ask = (count) => connection.sendText(`send ${count}`);
    console.log('OPEN');
    for await (const message of connection) {
      const envelope = JSON.parse(message.text()) as { text: string };
      checksum += envelope.text.length;
      if (++received === expected) console.log(`RECEIVED ${received} ${checksum}`);
    }
  },
  { resume: process.argv[3] !== 'off' },
);

createInterface({ input: process.stdin }).on('line', (line) => {
  const count = Number(line);
  expected += count;
  ask!(count);
});
