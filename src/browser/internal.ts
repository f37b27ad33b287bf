// What the Node client (src/client) shares with the browser client beyond its public index.
export * from './index.js';
export { parseEnvelope } from './envelope.js';
export { ResumePoints } from './resume-points.js';
