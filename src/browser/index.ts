// upsocket/browser: a self-contained client for browsers (and Node's global WebSocket) that
// resumes topics across reconnects. It imports nothing from the rest of upsocket, so the bundle
// stays a few KB; its envelope parsing mirrors the server's (README "Browser client").
export { connectResumable, ResumableClient } from './client.js';
export { compareIds } from './envelope.js';
// The events, their map and state type, and ResumableError: all of events.ts is public.
export * from './events.js';
export { type ResumableOptions, type WebSocketConstructor, type WebSocketLike } from './options.js';
