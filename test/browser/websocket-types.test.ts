// connectResumable's `WebSocket` option accepts the sockets users have, under strict settings:
// the DOM's (browsers, Node ≥ 22's global) and ws's with @types/ws (Node 20). Before issue 23 both
// failed: WebSocketLike's handlers took plain function types, and strictFunctionTypes compared their
// parameters one way (TS2322 "Type 'typeof WebSocket' is not assignable to type 'WebSocketConstructor'").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

it("accepts ws's WebSocket and the DOM's as WebSocketConstructor under strict", () => {
  const dir = mkdtempSync(join(tmpdir(), 'upsocket-websocket-types-'));
  try {
    const file = join(dir, 'sockets.ts');
    writeFileSync(
      file,
      [
        `import { WebSocket as Ws } from 'ws';`,
        `import { connectResumable, type WebSocketConstructor, type WebSocketLike } from '${join(root, 'src/browser/index.js')}';`,
        `connectResumable('ws://localhost/', { WebSocket: Ws }).close();`,
        `connectResumable('ws://localhost/', { WebSocket: globalThis.WebSocket }).close();`,
        `const constructors: WebSocketConstructor[] = [Ws, WebSocket];`,
        `const sockets: WebSocketLike[] = [new Ws('ws://localhost/'), new WebSocket('ws://localhost/')];`,
        `export { constructors, sockets };`,
      ].join('\n'),
    );
    const program = ts.createProgram([file], {
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: ['ws'],
      typeRoots: [join(root, 'node_modules/@types')],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(errors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
