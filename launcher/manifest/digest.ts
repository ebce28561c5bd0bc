import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * The sha256 of a manifest's text. metadata.json records it at start (`manifest_sha256`), so
 * `policy diff` can tell a manifest edited since the bottle started from one it started with.
 */
export function manifestSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The sha256 of the manifest file as it is now, or undefined when it cannot be read. */
export async function manifestFileSha256(file: string): Promise<string | undefined> {
  try {
    return manifestSha256(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
