import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditHead } from '../../launcher/state/metadata.js';
import { GRANT_RECORD_FIELDS } from '../../mcp/queue/schema.js';

/**
 * The audit record: one JSON line per decision or operator change, each naming the sha256 of
 * the line before it, so an edited, removed or reordered line breaks the chain; the head (line
 * count and last hash) kept in metadata.json catches a truncated tail. Never holds a secret:
 * only ids, hashes, names and the operator's and agent's words.
 */
export const AUDIT_RESULTS = [
  'applied',
  'recorded',
  'rejected',
  'failed',
  'stale',
  'expired',
  'superseded',
  'restarted',
  'restart-failed',
  'grant-expired',
  'grant-used',
  'revoked',
] as const;

export const AuditLineSchema = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().positive(),
  ts: z.iso.datetime(),
  /** The proposal decided; absent for the operator's own change (`routes edit`). */
  proposal_id: z.string().optional(),
  tool: z.string(),
  decision: z.enum([
    'approved',
    'rejected',
    'expired',
    'superseded',
    'operator-change',
    'grant-ended',
  ]),
  reason: z.string(),
  operator: z.string(),
  sha256_before: z.string().optional(),
  sha256_after: z.string().optional(),
  /** sha256 of the proposal file's bytes that were decided. */
  proposal_sha256: z.string().optional(),
  result: z.enum(AUDIT_RESULTS),
  message: z.string().optional(),
  /** The grant an approval made or a reversion ended (supervisor/grants/). */
  grant: z.strictObject(GRANT_RECORD_FIELDS).optional(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
});

export type AuditLine = z.output<typeof AuditLineSchema>;
export type AuditEntry = Omit<AuditLine, 'v' | 'seq' | 'prev' | 'ts'> & { ts?: string };

export const GENESIS = '0'.repeat(64);

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

/** The next line's text, chained to `head`. */
export function chainLine(entry: AuditEntry, head: AuditHead, now: Date): string {
  const line: AuditLine = AuditLineSchema.parse({
    v: 1,
    seq: head.lines + 1,
    ...entry,
    ts: entry.ts ?? now.toISOString(),
    prev: head.lines === 0 ? GENESIS : head.sha256,
  });
  return JSON.stringify(line);
}

export type VerifyResult =
  { ok: true; lines: number; head: AuditHead } | { ok: false; line: number; problem: string };

/** Checks every line's shape and link, then the tail against the recorded head. */
export function verifyChain(text: string, head: AuditHead | undefined): VerifyResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    let parsed: AuditLine;
    try {
      const result = AuditLineSchema.safeParse(JSON.parse(raw));
      if (!result.success) return { ok: false, line: i + 1, problem: 'not a valid audit line' };
      parsed = result.data;
    } catch {
      return { ok: false, line: i + 1, problem: 'not valid JSON' };
    }
    if (parsed.seq !== i + 1)
      return { ok: false, line: i + 1, problem: `sequence ${parsed.seq} where ${i + 1} belongs` };
    if (parsed.prev !== prev)
      return { ok: false, line: i + 1, problem: 'its prev hash does not match the line before it' };
    prev = lineHash(raw);
  }
  const found: AuditHead = { lines: lines.length, sha256: lines.length === 0 ? GENESIS : prev };
  if (!head) {
    if (lines.length === 0) return { ok: true, lines: 0, head: found };
    return { ok: false, line: 1, problem: 'metadata.json records no audit head for this log' };
  }
  if (head.lines !== found.lines) {
    return {
      ok: false,
      line: Math.min(head.lines, found.lines) + 1,
      problem: `the log has ${found.lines} lines, metadata.json records ${head.lines} (lines removed or added)`,
    };
  }
  if (head.sha256 !== found.sha256)
    return {
      ok: false,
      line: found.lines,
      problem: 'the last line does not match the recorded head',
    };
  return { ok: true, lines: found.lines, head: found };
}
