import { BottleError } from '../../lib/errors.js';
import { isCiPath, ZERO_SHA, type RefUpdate } from './push-policy.js';
import { git, lastLines } from './run-git.js';

const UPDATE_LINE = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) (refs\/\S+)$/;

/** Parses pre-receive input; a malformed line is an error (the push is refused). */
export function parseRefUpdates(input: string): RefUpdate[] {
  return input
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = UPDATE_LINE.exec(line.trim());
      if (!match)
        throw new BottleError(
          'INPUT_INVALID',
          `unexpected pre-receive input line: ${line.slice(0, 200)}`,
        );
      return { oldSha: match[1] ?? '', newSha: match[2] ?? '', ref: match[3] ?? '' };
    });
}

/** old is an ancestor of new; anything git cannot decide counts as "no" (fail closed). */
export async function isFastForward(repoDir: string, update: RefUpdate): Promise<boolean> {
  if (ZERO_SHA.test(update.oldSha) || ZERO_SHA.test(update.newSha)) return true;
  const result = await git(['merge-base', '--is-ancestor', update.oldSha, update.newSha], {
    cwd: repoDir,
  });
  return result.exitCode === 0;
}

/**
 * CI configuration paths touched by the commits a push brings that the upstream does not
 * have. Merges count only for what differs from every parent (an "evil merge"), so merging
 * the default branch in does not blame the agent for the upstream's own CI changes. Renames
 * are not detected, so moving a file out of (or into) a CI path lists both of its names.
 */
export async function ciPathsIn(repoDir: string, newSha: string): Promise<string[]> {
  if (ZERO_SHA.test(newSha)) return [];
  const result = await git(
    [
      'log',
      '--format=',
      '--name-only',
      // A rename is a deletion plus an addition: both names count (`git mv` out of CI paths).
      '--no-renames',
      '-z',
      '--diff-merges=dense-combined',
      newSha,
      '--not',
      '--all',
    ],
    { cwd: repoDir, timeoutMs: 300_000 },
  );
  if (result.exitCode !== 0) {
    throw new BottleError(
      'CHECK_FAILED',
      `cannot list the pushed paths: ${lastLines(result.stderr)}`,
    );
  }
  const paths = result.stdout.split(/[\0\n]/).filter((path) => path !== '' && isCiPath(path));
  return [...new Set(paths)];
}
