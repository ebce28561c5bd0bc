import { createHash } from 'node:crypto';
import { z } from 'zod';
import { jsonSafe } from '../../lib/terminal-safe.js';

/**
 * The evidence bundle: JSON Lines, one record a line, each
 * `{seq, at, source, kind, data, prev_sha256, sha256}` in that key order. `sha256` is the hex
 * sha256 of the line's own UTF-8 bytes as written, with its final `,"sha256":"…"` member cut
 * off (so `{…,"prev_sha256":"…"}`); `prev_sha256` is the line before's `sha256` (64 zeros on
 * line 1). Line 1 is the header, the last line the signature over the head; the lines between
 * are in time order (`at`, ties in source order). See docs/operator.md, "Evidence".
 */
export const EVIDENCE_FORMAT = 'claude-bottle-evidence';
export const EVIDENCE_VERSION = 1;
export const GENESIS = '0'.repeat(64);

export const EVIDENCE_SOURCES = [
  'evidence',
  'egress-proxy',
  'git-gate',
  'queue',
  'operator',
  'engine',
  'audit',
  'transcript',
] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const EvidenceLineSchema = z.strictObject({
  seq: z.number().int().positive(),
  at: z.iso.datetime(),
  source: z.enum(EVIDENCE_SOURCES),
  kind: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  prev_sha256: Sha256,
  sha256: Sha256,
});
export type EvidenceLine = z.output<typeof EvidenceLineSchema>;

/** One fact before it is numbered and chained. */
export interface EvidenceRecord {
  at: string;
  source: EvidenceSource;
  kind: string;
  data: Record<string, unknown>;
}

/** What the signature covers: the chain's end, the bottle and the export's time. */
export interface EvidenceHead {
  slug: string;
  count: number;
  last_sha256: string;
  created_at: string;
}

export const SignatureDataSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  /** base64 of the DER SubjectPublicKeyInfo. */
  public_key: z.string().min(1),
  /** hex sha256 of the DER SubjectPublicKeyInfo. */
  key_fingerprint: Sha256,
  head: z.strictObject({
    slug: z.string(),
    count: z.number().int().positive(),
    last_sha256: Sha256,
    created_at: z.iso.datetime(),
  }),
  /** base64 Ed25519 signature of headMessage(head). */
  signature: z.string().min(1),
});
export type SignatureData = z.output<typeof SignatureDataSchema>;

const SEAL = /^(\{.*),"sha256":"([0-9a-f]{64})"\}$/s;

/** The sha256 a line's text carries for itself, computed from its bytes. */
export function digestOf(unsealed: string): string {
  return createHash('sha256').update(unsealed, 'utf8').digest('hex');
}

/** The line's text, numbered, chained to `prev` and sealed with its own sha256. */
export function sealLine(record: EvidenceRecord, seq: number, prev: string): string {
  // jsonSafe: C1 controls, bidi overrides and line separators that JSON.stringify leaves raw
  // are written as \u escapes, so printing a bundle cannot drive the reader's terminal.
  const unsealed = jsonSafe(
    {
      seq,
      at: record.at,
      source: record.source,
      kind: record.kind,
      data: record.data,
      prev_sha256: prev,
    },
    0,
  );
  const sha256 = digestOf(unsealed);
  return `${unsealed.slice(0, -1)},"sha256":"${sha256}"}`;
}

/** The claimed and the actual sha256 of a line, or undefined when it does not end in a seal. */
export function unseal(line: string): { claimed: string; actual: string } | undefined {
  const match = SEAL.exec(line);
  if (!match) return undefined;
  return { claimed: match[2]!, actual: digestOf(`${match[1]!}}`) };
}

/** The exact bytes signed: plain text, so no JSON key order can change them. */
export function headMessage(head: EvidenceHead): Buffer {
  return Buffer.from(
    [
      `${EVIDENCE_FORMAT} v${EVIDENCE_VERSION}`,
      `slug ${head.slug}`,
      `count ${head.count}`,
      `last_sha256 ${head.last_sha256}`,
      `created_at ${head.created_at}`,
      '',
    ].join('\n'),
    'utf8',
  );
}

/** Any timestamp as a canonical ISO string, or undefined when it is not one. */
export function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
