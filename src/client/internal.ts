// What the other parts of upsocket (testing's inject()) use of the client beyond its public index.
export * from './index.js';
export { connectWith } from './connect.js';
