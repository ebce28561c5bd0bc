// @peculiar/x509 resolves its services through tsyringe, which needs a Reflect polyfill loaded
// first; importing the library only through this file guarantees that order. Its default
// crypto provider is Node's globalThis.crypto (webcrypto).
//
// Import this module only with `await import('./x509.js')` (see loadX509): the library and its
// ASN.1 stack are ~700 KB of the bundle and ~2 MB of heap once initialised, which a proxy that
// has not yet intercepted a host (or only passes tunnels through) never needs.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };
export { KEY_ALGORITHM, SIGNING_ALGORITHM } from './x509-algorithms.js';
