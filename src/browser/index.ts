// upsocket/browser: a self-contained client for browsers (and Node's global WebSocket) that
// resumes topics across reconnects. Of the rest of upsocket it imports only src/wire (the wire
// format, itself importing nothing), so the bundle stays one file of a few KB (docs/browser.md).
export { connectResumable, ResumableClient } from './client.js';
export { compareIds } from '../wire/index.js';
// The events, their map and state type, and ResumableError: all of events.ts is public.
export * from './events.js';
export { type ResumableOptions, type WebSocketConstructor, type WebSocketHandler, type WebSocketLike } from './options.js';
