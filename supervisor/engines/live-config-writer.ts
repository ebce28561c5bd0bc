import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha256 } from '../../images/egress-proxy/routes/parse.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { liveConfigPath, type LiveConfigFile } from '../../lib/live-config.js';
import type { StateLayout } from '../../launcher/state/layout.js';
import { withFileLock } from '../../lib/file-lock.js';

export interface Replaced {
  before: string;
  after: string;
  /** The file's previous text, for a restore when the sidecar refuses the new one. */
  previous: string;
}

/** The live file's text and sha256; a missing file reads as empty (as the MCP server hashes it). */
export async function readLive(
  layout: StateLayout,
  file: LiveConfigFile,
): Promise<{ text: string; sha256: string }> {
  const text = await readFile(liveConfigPath(layout.liveConfig, file), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  return { text, sha256: sha256(text) };
}

/**
 * The one writer of live-config/ after start: replaces a whole file atomically (temp + rename
 * inside the folder, which a folder mount sees) only while the live file is still the one the
 * change was made against, so a stale proposal never silently reverts a newer change.
 */
export async function replaceLiveConfig(
  layout: StateLayout,
  file: LiveConfigFile,
  text: string,
  options: { expectSha256: string },
): Promise<Replaced> {
  await mkdir(layout.locks, { recursive: true });
  const path = liveConfigPath(layout.liveConfig, file);
  return withFileLock(join(layout.locks, `live-config-${file}`), async () => {
    const live = await readLive(layout, file);
    if (live.sha256 !== options.expectSha256) {
      throw new BottleError(
        'PROPOSAL_STALE',
        `live-config/${basename(path)} changed after this change was made against it (live sha256 ${live.sha256.slice(0, 12)}…, expected ${options.expectSha256.slice(0, 12)}…)`,
        {
          hint: 'applying it would silently revert the newer change: read the current file and make the change again',
        },
      );
    }
    await writeFileAtomic(path, text, { mode: 0o644 });
    return { before: live.sha256, after: sha256(text), previous: live.text };
  });
}

/** Puts back what replaceLiveConfig replaced (only while the file is still ours). */
export async function restoreLiveConfig(
  layout: StateLayout,
  file: LiveConfigFile,
  replaced: Replaced,
): Promise<void> {
  await replaceLiveConfig(layout, file, replaced.previous, { expectSha256: replaced.after });
}
