export * from './identity.js';
export * from './key-envelope.js';
