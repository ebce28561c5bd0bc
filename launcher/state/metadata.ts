import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SIGN_INS } from '../credentials/provider-route.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { withFileLock } from '../../lib/file-lock.js';

/** `state/<slug>/metadata.json`: what a bottle instance is, so every later verb can act on it. */
export const METADATA_STATUSES = [
  'creating',
  'planned',
  'starting',
  'running',
  'stopped',
  'failed',
] as const;

/** Where an audit log's hash chain ends: its line count and the sha256 of its last line. */
export const AuditHeadSchema = z.looseObject({
  lines: z.number().int().nonnegative(),
  sha256: z.string(),
});
export type AuditHead = z.output<typeof AuditHeadSchema>;

export const MetadataSchema = z.looseObject({
  v: z.literal(1),
  slug: z.string(),
  agent: z.string(),
  agent_source: z.enum(['home', 'cwd']),
  bottle: z.string(),
  provider: z.enum(['claude', 'codex', 'none']),
  /** How the provider signed in at start (null: no auth_token); resume must find the same. */
  sign_in: z.enum(SIGN_INS).nullable().optional(),
  branch: z.string().nullable(),
  repo: z.string().nullable(),
  compose_project: z.string(),
  /** The host folder of the bottle's secret files (launcher/state/secrets-dir.ts): a path, no value. */
  secrets_dir: z.string().optional(),
  images: z.record(z.string(), z.string()),
  services: z.array(z.string()),
  status: z.enum(METADATA_STATUSES),
  reason: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  updated_at: z.string(),
  /** The stock agent image (before the bottle's own Dockerfile): what a capability rebuild builds on. */
  agent_base_image: z.string().optional(),
  /**
   * The sha256 of the bottle manifest's text at start, or as `policy diff --write` last wrote
   * it (launcher/manifest/digest.ts): an edit beyond these is what policy diff warns about.
   */
  manifest_sha256: z.string().optional(),
  /** Per audit component (`audit/<component>.jsonl`), the head of its hash chain. */
  audit_heads: z.record(z.string(), AuditHeadSchema).optional(),
});

export type Metadata = z.output<typeof MetadataSchema>;

export async function readMetadata(file: string): Promise<Metadata> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BottleError('NOT_FOUND', `no bottle state at ${file}`, {
      hint: 'run `claude-bottle list` to see the bottles that exist',
      cause: error,
    });
  }
  const parsed = MetadataSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new BottleError(
      'STATE_INVALID',
      `${file} is not valid bottle metadata: ${parsed.error.issues[0]?.message}`,
      {
        hint: 'it was edited or written by another version; remove the state dir if the bottle is gone',
      },
    );
  }
  return parsed.data;
}

export async function writeMetadata(file: string, metadata: Metadata): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(MetadataSchema.parse(metadata), null, 2)}\n`);
}

/**
 * Reads, changes and writes back under a lock (the launcher, the supervisor's engines and its
 * audit chain all update it); `updated_at` is stamped.
 */
export async function updateMetadata(
  file: string,
  change: Partial<Metadata>,
  now: Date = new Date(),
): Promise<Metadata> {
  return withFileLock(`${file}.lock`, async () => {
    const next = { ...(await readMetadata(file)), ...change, updated_at: now.toISOString() };
    await writeMetadata(file, next);
    return next;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
