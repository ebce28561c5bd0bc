import type { webcrypto } from 'node:crypto';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { KEY_ALGORITHM, loadX509, SIGNING_ALGORITHM } from './x509-algorithms.js';

/**
 * A loaded CA: PEM text for TLS contexts (and for the leaf issuer, parsed when the first leaf
 * is minted) plus the key that signs leaves.
 */
export interface CertificateAuthority {
  certPem: string;
  privateKey: webcrypto.CryptoKey;
}

export const CA_FILES = { cert: 'ca.crt', key: 'ca.key' } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates DIR/ca.crt and DIR/ca.key (0600). Refuses when a key already exists: replacing a
 * bottle's CA would break every client that trusts the old one.
 */
export async function createCa(
  dir: string,
  now = new Date(),
): Promise<{ cert: string; key: string }> {
  const certFile = join(dir, CA_FILES.cert);
  const keyFile = join(dir, CA_FILES.key);
  if (await exists(keyFile)) {
    throw new BottleError(
      'ALREADY_EXISTS',
      `${keyFile} already exists; refusing to overwrite a CA key`,
      {
        hint: 'use another directory, or delete ca.key and ca.crt yourself if you really mean to replace this CA',
      },
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { x509 } = await loadX509();
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=claude-bottle CA ${randomBytes(4).toString('hex')}, O=claude-bottle`,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  // 'wx' so a key created concurrently by someone else is never clobbered either.
  await writeFile(keyFile, keyPem, { mode: 0o600, flag: 'wx' });
  await writeFileAtomic(certFile, cert.toString('pem'), { mode: 0o644 });
  return { cert: certFile, key: keyFile };
}

/** Loads DIR/ca.crt and DIR/ca.key, with a hint at `ca init` when they are missing. */
export async function loadCa(dir: string): Promise<CertificateAuthority> {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = await readFile(join(dir, CA_FILES.cert), 'utf8');
    keyPem = await readFile(join(dir, CA_FILES.key), 'utf8');
  } catch (error) {
    throw new BottleError(
      'CONFIG_INVALID',
      `cannot read the CA in ${dir}: ${(error as Error).message}`,
      {
        hint: `create one with \`claude-bottle ca init ${dir}\``,
        cause: error,
      },
    );
  }
  try {
    // Node's own parsers: checking the CA must not load the certificate library at start-up.
    new X509Certificate(certPem);
    const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
    const privateKey = await crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
    return { certPem, privateKey };
  } catch (error) {
    throw new BottleError('CONFIG_INVALID', `the CA in ${dir} is not a usable ECDSA P-256 CA`, {
      hint: `create a fresh one with \`claude-bottle ca init NEW_DIR\``,
      cause: error,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
