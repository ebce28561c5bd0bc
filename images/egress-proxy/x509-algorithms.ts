/** ECDSA P-256: minting a leaf is one signature, fast enough to do per host on demand. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The certificate library, loaded (and initialised) on first use only. */
export const loadX509 = (): Promise<typeof import('./x509.js')> => import('./x509.js');
