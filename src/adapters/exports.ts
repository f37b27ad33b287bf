// What every adapter's entry re-exports from the core besides its own open() (and websocket()),
// so `import { attach, open } from 'upsocket/express'` is the whole setup.
export { attach, ClosedError, Connection, Message, UpsocketError } from '../core/index.js';
export type { AttachOptions, Handler, OpenOptions, ShutdownOptions, UpsocketServer } from '../core/index.js';
export { browserClientFile } from './browser-client-file.js';
