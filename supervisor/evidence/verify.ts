import type { KeyObject } from 'node:crypto';
import {
  EVIDENCE_FORMAT,
  EvidenceLineSchema,
  GENESIS,
  SignatureDataSchema,
  headMessage,
  unseal,
  type EvidenceLine,
} from './format.js';
import { fingerprintOf, parsePublicKey, spkiBase64, verifySignature } from './signing-key.js';

export type BundleVerdict =
  | {
      ok: true;
      slug: string;
      createdAt: string;
      /** Chained lines before the signature line. */
      records: number;
      fingerprint: string;
      publicKey: string;
    }
  | {
      ok: false;
      /** 0: the file as a whole (empty); otherwise the first line that broke. */
      line: number;
      problem: string;
      /** True when the text is not an evidence bundle at all (rather than a damaged one). */
      notABundle: boolean;
    };

/**
 * Checks a bundle: every line's shape, number, link and own sha256; the header first and the
 * signature last; the signed head against the chain; the Ed25519 signature with the public
 * key the bundle carries; and, when `trusted` is given, that this key is the one it names.
 */
export function verifyBundle(text: string, trusted?: KeyObject): BundleVerdict {
  const fail = (line: number, problem: string, notABundle = false): BundleVerdict => ({
    ok: false,
    line,
    problem,
    notABundle,
  });
  if (text.trim() === '') return fail(0, 'the file is empty: not an evidence bundle', true);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parsed: EvidenceLine[] = [];
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail(n, 'not valid JSON', n === 1);
    }
    const shape = EvidenceLineSchema.safeParse(json);
    if (!shape.success) {
      const issue = shape.error.issues[0];
      return fail(
        n,
        `not an evidence line (${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'})`,
        n === 1,
      );
    }
    const line = shape.data;
    if (n === 1 && (line.kind !== 'header' || line.data.format !== EVIDENCE_FORMAT))
      return fail(1, `the first line is not a ${EVIDENCE_FORMAT} header`, true);
    if (line.seq !== n)
      return fail(n, `sequence ${line.seq} where ${n} belongs (lines removed, added or reordered)`);
    if (line.prev_sha256 !== prev)
      return fail(n, 'its prev_sha256 does not match the line before it');
    const last = n === lines.length;
    if (line.kind === 'signature' && line.source === 'evidence' && !last)
      return fail(n, 'a signature line before the end of the bundle');
    if (last) {
      if (line.kind !== 'signature' || line.source !== 'evidence')
        return fail(n, 'the bundle does not end with its signature line (truncated?)');
      if (n === 1) return fail(n, 'no header before the signature line');
      const problem = checkSignature(line, parsed, prev, trusted);
      if (problem) return fail(n, problem);
    }
    const seal = unseal(raw);
    if (!seal) return fail(n, 'the line does not end with its sha256');
    if (seal.claimed !== seal.actual)
      return fail(n, 'its sha256 does not match its content (the line was changed)');
    prev = seal.claimed;
    parsed.push(line);
  }
  const header = parsed[0]!;
  const signature = SignatureDataSchema.parse(parsed.at(-1)!.data);
  return {
    ok: true,
    slug: String(header.data.slug),
    createdAt: String(header.data.created_at),
    // Between the header and the signature line.
    records: parsed.length - 2,
    fingerprint: signature.key_fingerprint,
    publicKey: signature.public_key,
  };
}

function checkSignature(
  line: EvidenceLine,
  before: EvidenceLine[],
  lastSha256: string,
  trusted: KeyObject | undefined,
): string | undefined {
  const data = SignatureDataSchema.safeParse(line.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return `not a valid signature line (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`;
  }
  const { head, public_key: publicKey, key_fingerprint: fingerprint, signature } = data.data;
  const header = before[0]!;
  if (head.count !== before.length)
    return `the signed head counts ${head.count} lines, the bundle has ${before.length} before the signature`;
  if (head.last_sha256 !== lastSha256) return 'the signed head does not name the last line';
  if (head.slug !== header.data.slug || head.created_at !== header.data.created_at)
    return "the signed head's slug or time differs from the header";
  const key = parsePublicKey(publicKey);
  if (!key) return 'its public_key is not an Ed25519 public key';
  if (fingerprintOf(Buffer.from(publicKey, 'base64')) !== fingerprint)
    return 'its key_fingerprint is not the public key’s';
  if (!verifySignature(key, headMessage(head), signature))
    return 'the signature does not verify with the public key in it (signature or key replaced, or the head changed)';
  if (trusted && spkiBase64(trusted) !== publicKey)
    return `signed by key ${fingerprint.slice(0, 16)}…, not the trusted key ${fingerprintOf(Buffer.from(spkiBase64(trusted), 'base64')).slice(0, 16)}…`;
  return undefined;
}
