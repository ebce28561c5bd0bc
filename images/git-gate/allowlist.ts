import { readFile } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';

/**
 * The gitleaks allowlist the supervisor maintains in live-config/: gitleaks fingerprints
 * (`commit:file:rule:line`), one per line; a line starting with `#` is a comment.
 */
export function parseAllowlist(text: string): Set<string> {
  const fingerprints = new Set<string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) fingerprints.add(trimmed);
  }
  return fingerprints;
}

/** Reads the allowlist on every push; a missing file is empty, an unreadable one an error. */
export async function loadAllowlist(file: string): Promise<Set<string>> {
  try {
    return parseAllowlist(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new BottleError('CONFIG_INVALID', `${file}: cannot read the gitleaks allowlist`, {
      hint: 'the gate refuses pushes until it can read its allowlist; ask the operator',
      cause: error,
    });
  }
}
