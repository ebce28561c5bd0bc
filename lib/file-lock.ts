import { mkdir, rmdir, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BottleError } from './errors.js';

const STALE_MS = 30_000;

/**
 * Runs `task` holding a lock folder (mkdir is atomic on every filesystem we mount), so two
 * supervisor processes never interleave an append to the same chain. A lock left by a crash is
 * broken after 30 s.
 */
export async function withFileLock<T>(lockDir: string, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockDir).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > STALE_MS) {
      await rmdir(lockDir).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new BottleError('STATE_INVALID', `${lockDir} has been held for over 10 s`, {
        hint: `another supervisor is writing; if none runs, remove ${lockDir}`,
      });
    }
    await sleep(20);
  }
  try {
    return await task();
  } finally {
    await rmdir(lockDir).catch(() => undefined);
  }
}
