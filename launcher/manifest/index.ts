export { loadManifests, type LoadOptions } from './load.js';
export { resolveSecrets, expandPath, type SecretValues } from './secrets.js';
export { selectAgentAndBottle, type Selection } from './select.js';
export * from './schema.js';
export type * from './types.js';
