// @peculiar/x509 resolves its services through tsyringe, which needs a Reflect polyfill loaded
// first; importing the library only through this file guarantees that order. Its default
// crypto provider is Node's globalThis.crypto (webcrypto).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };

/** ECDSA P-256: minting a leaf is one signature, fast enough to do per host on demand. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
