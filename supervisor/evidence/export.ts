import { writeFileExclusive } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { openBottle } from '../queue/bottles.js';
import { buildBundle } from './bundle.js';
import { collectEvidence, type CollectOptions } from './collect.js';
import { knownSecretValues } from './known-secrets.js';
import { createRedactor } from './redact.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';

export interface ExportOptions extends CollectOptions {
  home: string;
  slug: string;
  cwd: string;
  now?: Date;
}

export interface ExportResult {
  text: string;
  lines: number;
  key: SigningKey;
  redactions: number;
  notes: string[];
}

/** One bottle's evidence bundle, signed with the home's key (created on first use). */
export async function exportEvidence(options: ExportOptions): Promise<ExportResult> {
  const bottle = await openBottle(options.home, options.slug);
  const known = await knownSecretValues(
    options.home,
    bottle.metadata.bottle,
    options.env,
    options.cwd,
  );
  const redactor = createRedactor(known.values);
  const collected = await collectEvidence(bottle, options);
  const notes = [...(known.note ? [known.note] : []), ...collected.notes];
  const key = await loadOrCreateSigningKey(options.home);
  const { text, lines } = buildBundle({
    slug: bottle.slug,
    metadata: bottle.metadata,
    records: collected.records,
    notes,
    createdAt: options.now ?? new Date(),
    redactor,
    key,
  });
  return { text, lines, key, redactions: redactor.redactions, notes };
}

/** Writes the bundle to a new file (never over an existing one: evidence is not overwritten). */
export async function writeBundleFile(file: string, text: string): Promise<void> {
  let created: boolean;
  try {
    created = await writeFileExclusive(file, text, { mode: 0o644 });
  } catch (error) {
    throw new BottleError('NOT_FOUND', `cannot write ${file}: ${(error as Error).message}`, {
      hint: 'check that its folder exists and is writable',
      cause: error,
    });
  }
  if (!created) {
    throw new BottleError('ALREADY_EXISTS', `${file} exists already`, {
      hint: 'evidence is never overwritten: choose another --out file or remove the old one',
    });
  }
}
