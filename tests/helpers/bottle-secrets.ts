import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the secret folders of every bottle under `home` (metadata.json's `secrets_dir`): they
 * live outside the temp home (launcher/state/secrets-dir.ts), so removing the home leaves them.
 * `stop` removes them too; this is for teardowns that run `docker compose down` directly.
 */
export async function removeSecretFolders(home: string): Promise<void> {
  const states = await readdir(join(home, 'state')).catch(() => [] as string[]);
  for (const slug of states) {
    const dir = await readFile(join(home, 'state', slug, 'metadata.json'), 'utf8')
      .then((text) => (JSON.parse(text) as { secrets_dir?: unknown }).secrets_dir)
      .catch(() => undefined);
    if (typeof dir === 'string' && dir.length > 0) await rm(dir, { recursive: true, force: true });
  }
}
