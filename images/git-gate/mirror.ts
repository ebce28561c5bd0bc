import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
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

/**
 * Where the mirror records the default branch the upstream reported on the last sync. The
 * mirror's own HEAD is no witness: `git init` points it at a branch the upstream may not
 * have, and an empty upstream reports no HEAD at all.
 */
export const UPSTREAM_HEAD_FILE = 'git-gate-upstream-head';

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
    const recorded = join(dir, UPSTREAM_HEAD_FILE);
    if (branch === undefined) {
      await rm(recorded, { force: true });
    } else {
      await git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`], { cwd: dir });
      await writeFileAtomic(recorded, `${branch}\n`);
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

/**
 * The upstream's default branch as its last sync reported it; undefined when the upstream
 * reported none (an empty repository) or no sync recorded one, so the push policy refuses
 * every branch rather than guess.
 */
export async function defaultBranchOf(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, UPSTREAM_HEAD_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const branch = text.trim();
  return branch === '' || /\s/.test(branch) ? undefined : branch;
}
