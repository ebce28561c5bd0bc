import { existsSync } from 'node:fs';
import { BottleError } from '../../lib/errors.js';
import type { GitRemote } from './policy.js';
import { git, lastLines } from './run-git.js';
import { openUpstreamAccess, type AccessContext } from './upstream-access.js';

/** Creates the bare mirror of a remote if it does not exist yet. */
export async function ensureMirror(dir: string): Promise<void> {
  if (existsSync(dir)) return;
  const result = await git(['init', '--bare', '--quiet', dir]);
  if (result.exitCode !== 0 && !existsSync(dir)) {
    throw new BottleError(
      'STATE_INVALID',
      `cannot create the mirror ${dir}: ${lastLines(result.stderr)}`,
      {
        hint: "the gate's state folder must be writable by the uid the gate runs as",
      },
    );
  }
}

/** Reads the upstream's default branch from `ls-remote --symref` output. */
export function parseHeadSymref(lsRemote: string): string | undefined {
  const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(lsRemote);
  return match?.[1];
}

/**
 * Makes the mirror's branches and tags equal the upstream's (`--prune`) and points its HEAD
 * at the upstream's default branch. Throws when the upstream does not answer: the caller
 * refuses to serve rather than hand out stale data.
 */
export async function syncMirror(
  remote: GitRemote,
  dir: string,
  context: AccessContext,
): Promise<void> {
  const access = await openUpstreamAccess(remote, context);
  try {
    const head = await git([...access.configArgs, 'ls-remote', '--symref', access.url, 'HEAD'], {
      cwd: dir,
      env: access.env,
    });
    if (head.exitCode !== 0) throw upstreamError(remote, head.stderr);
    const fetch = await git(
      [
        ...access.configArgs,
        'fetch',
        '--quiet',
        '--prune',
        '--no-tags',
        '--update-head-ok',
        access.url,
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ],
      { cwd: dir, env: access.env },
    );
    if (fetch.exitCode !== 0) throw upstreamError(remote, fetch.stderr);
    const branch = parseHeadSymref(head.stdout);
    if (branch !== undefined) {
      await git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`], { cwd: dir });
    }
  } finally {
    await access.dispose();
  }
}

// git's own advice after a failed connection hides the reason ssh or curl gave.
const GIT_BOILERPLATE =
  /Could not read from remote repository|Please make sure you have the correct access|and the repository exists/;

function upstreamError(remote: GitRemote, stderr: string): BottleError {
  const reason = lastLines(
    stderr
      .split('\n')
      .filter((line) => !GIT_BOILERPLATE.test(line))
      .join('\n'),
  );
  return new BottleError(
    'CHECK_FAILED',
    `cannot reach the upstream of remote "${remote.name}" (${reason || 'no answer'})`,
    {
      hint: 'the gate serves nothing stale: try again once the upstream answers, or ask the operator',
    },
  );
}

/** The branch the mirror's HEAD names: the upstream's default branch after a sync. */
export async function defaultBranchOf(dir: string): Promise<string | undefined> {
  const result = await git(['symbolic-ref', '--quiet', 'HEAD'], { cwd: dir });
  const ref = result.stdout.trim();
  return result.exitCode === 0 && ref.startsWith('refs/heads/')
    ? ref.slice('refs/heads/'.length)
    : undefined;
}
