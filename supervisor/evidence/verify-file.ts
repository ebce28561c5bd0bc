import { readFile, stat } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';
import { terminalSafe } from '../../lib/terminal-safe.js';
import { homePublicKey, parsePublicKey, spkiBase64 } from './signing-key.js';
import { verifyBundle } from './verify.js';

/** Evidence files larger than this are refused rather than read into memory. */
const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/**
 * `evidence --verify FILE`: the one-line summary when the bundle holds, otherwise a
 * BottleError naming the file and the line that broke.
 */
export async function verifyEvidenceFile(
  file: string,
  home: string,
  publicKey?: string,
): Promise<string> {
  const trusted = publicKey === undefined ? undefined : await readTrustedKey(publicKey);
  let text: string;
  try {
    // Stat first: a FIFO or /dev/zero must not be read whole before the size check.
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_BUNDLE_BYTES) throw new Error(`larger than ${MAX_BUNDLE_BYTES} bytes`);
    const bytes = await readFile(file);
    text = bytes.toString('utf8');
  } catch (error) {
    throw new BottleError('NOT_FOUND', `cannot read ${file}: ${(error as Error).message}`, {
      hint: 'name a file written by `claude-bottle evidence <slug> --out FILE`',
    });
  }
  const verdict = verifyBundle(text, trusted);
  if (!verdict.ok) {
    const where = verdict.line === 0 ? file : `${file} line ${verdict.line}`;
    if (verdict.notABundle) {
      throw new BottleError('INPUT_INVALID', `${where}: ${verdict.problem}`, {
        hint: 'this is not an evidence bundle; export one with `claude-bottle evidence <slug> --out FILE`',
      });
    }
    throw new BottleError('AUDIT_INVALID', `${where}: ${verdict.problem}`, {
      hint: 'the bundle was changed after it was signed; compare it with the copy you exported',
    });
  }
  const own = await homePublicKey(home).catch(() => undefined);
  const ownKey = own !== undefined && spkiBase64(own) === verdict.publicKey;
  const fingerprint = `${verdict.fingerprint.slice(0, 16)}…`;
  // Anyone can rewrite a bundle and re-sign it with a key of their own: a signature by an
  // unknown key proves nothing, so it fails unless the key is pinned or is this home's.
  if (!trusted && !ownKey) {
    throw new BottleError(
      'AUDIT_INVALID',
      `${file}: the chain is whole, but it is signed by key ${fingerprint}, which is not this home's`,
      {
        hint: "pass the exporting home's public key with --public-key (its keys/evidence-ed25519.pub.pem, or the base64 `evidence` printed)",
      },
    );
  }
  const whose = trusted ? 'the key given' : "this home's key";
  return `evidence intact: ${verdict.records} record(s) for ${terminalSafe(verdict.slug).slice(0, 120)} exported ${terminalSafe(verdict.createdAt).slice(0, 40)}, signed by ${whose} ${fingerprint}`;
}

async function readTrustedKey(value: string): Promise<ReturnType<typeof parsePublicKey> & object> {
  const text = await readFile(value, 'utf8').catch(() => value);
  const key = parsePublicKey(text);
  if (!key) {
    throw new BottleError(
      'USAGE',
      '--public-key is neither an Ed25519 public key file nor its base64',
      {
        hint: 'pass $CLAUDE_BOTTLE_HOME/keys/evidence-ed25519.pub.pem of the exporting home, or the base64 key `evidence` printed',
      },
    );
  }
  return key;
}
