import { z } from 'zod';

/**
 * A finding git-gate recorded when gitleaks refused a push: the trusted record that a
 * gitleaks-allow proposal refers to by id. Written only by the gate, into
 * state/<slug>/git-gate/findings/<id>.json. Never holds the secret itself.
 */
export const FINDING_ID_PATTERN = /^f-[0-9a-f]{16}$/;

export const FindingRecordSchema = z.looseObject({
  v: z.literal(1),
  id: z.string().regex(FINDING_ID_PATTERN),
  remote: z.string(),
  rule: z.string(),
  description: z.string().optional(),
  file: z.string(),
  line: z.number().int().nonnegative(),
  commit: z.string(),
  fingerprint: z.string(),
  redacted: z.string(),
  created_at: z.string(),
});

export type FindingRecord = z.output<typeof FindingRecordSchema>;
