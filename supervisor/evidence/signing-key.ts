import {
  createHash,
  randomBytes,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { link, lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';
import { evidenceKeyPaths } from '../../lib/home.js';

/** The home's Ed25519 key: the private half stays in its file; only the public half travels. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64 of the DER SubjectPublicKeyInfo. */
  publicKeyBase64: string;
  fingerprint: string;
  created: boolean;
}

/** Loads the home's key, creating it (0600, exclusively) on first use. */
export async function loadOrCreateSigningKey(home: string): Promise<SigningKey> {
  const paths = evidenceKeyPaths(home);
  const existing = await readPrivateKey(paths.privateKey);
  if (existing) return describe(existing, false);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  // Written whole to a file of its own, then linked into place: the key file never exists
  // empty or half-written, and link() fails if another export got there first.
  const tmp = `${paths.privateKey}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(pem, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, paths.privateKey);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another export created it first: use that one.
    const raced = await readPrivateKey(paths.privateKey);
    if (raced) return describe(raced, false);
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  // The public half for others to pin: replaced by rename, never written through a link.
  const publicTmp = `${paths.publicKey}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const pub = await open(publicTmp, 'wx', 0o644);
  try {
    await pub.writeFile(publicKey.export({ type: 'spki', format: 'pem' }), 'utf8');
  } finally {
    await pub.close();
  }
  await rename(publicTmp, paths.publicKey);
  return describe(privateKey, true);
}

/** The home's public key when it has one (to say whether a bundle was signed here). */
export async function homePublicKey(home: string): Promise<KeyObject | undefined> {
  // From the private key, which only this home's owner can write: the .pub file beside it is
  // a copy for others and is not trusted here.
  const privateKey = await readPrivateKey(evidenceKeyPaths(home).privateKey).catch(() => undefined);
  return privateKey ? createPublicKey(privateKey) : undefined;
}

async function readPrivateKey(file: string): Promise<KeyObject | undefined> {
  let info;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile() || (info.mode & 0o077) !== 0) {
    throw new BottleError(
      'STATE_INVALID',
      `the evidence signing key ${file} ${info.isFile() ? `is open to other users (mode ${(info.mode & 0o777).toString(8)})` : 'is not a regular file'}`,
      { hint: `chmod 600 ${file} (or remove it: the next export creates a new key)` },
    );
  }
  try {
    const key = createPrivateKey(await readFile(file, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
    return key;
  } catch (error) {
    throw new BottleError('STATE_INVALID', `${file} is not an Ed25519 private key`, {
      hint: 'remove it: the next export creates a new key (bundles signed with it stay verifiable)',
      cause: error,
    });
  }
}

function describe(privateKey: KeyObject, created: boolean): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    publicKeyBase64: der.toString('base64'),
    fingerprint: fingerprintOf(der),
    created,
  };
}

export function fingerprintOf(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

export function signMessage(key: SigningKey, message: Buffer): string {
  return sign(null, message, key.privateKey).toString('base64');
}

/** An Ed25519 public key from PEM text or base64 DER SPKI; undefined when it is neither. */
export function parsePublicKey(text: string): KeyObject | undefined {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

export function spkiBase64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function verifySignature(key: KeyObject, message: Buffer, signature: string): boolean {
  try {
    return verify(null, message, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
