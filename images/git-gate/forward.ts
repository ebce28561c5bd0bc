import type { GitRemote } from './policy.js';
import { ZERO_SHA, type RefUpdate } from './push-policy.js';
import { git } from './run-git.js';
import { openUpstreamAccess, type AccessContext } from './upstream-access.js';

export interface ForwardResult {
  ok: boolean;
  /** What the upstream said, for the agent to read. */
  output: string;
}

/** Refspecs for the accepted updates; `+` only where policy allowed a non-fast-forward. */
export function forwardRefspecs(updates: RefUpdate[], forced: Set<string>): string[] {
  return updates.map((update) => {
    if (ZERO_SHA.test(update.newSha)) return `:${update.ref}`;
    return `${forced.has(update.ref) ? '+' : ''}${update.newSha}:${update.ref}`;
  });
}

/**
 * Pushes the accepted updates to the upstream with the gate's credential, all or nothing
 * (`--atomic`), from inside the pre-receive hook: the pushed objects are still in the
 * quarantine the hook's environment points at, and the mirror's refs move only if this works.
 */
export async function forwardPush(
  remote: GitRemote,
  repoDir: string,
  updates: RefUpdate[],
  forced: Set<string>,
  context: AccessContext,
): Promise<ForwardResult> {
  const access = await openUpstreamAccess(remote, context);
  try {
    const result = await git(
      [
        ...access.configArgs,
        'push',
        '--atomic',
        '--no-verify',
        access.url,
        ...forwardRefspecs(updates, forced),
      ],
      { cwd: repoDir, env: access.env, timeoutMs: 600_000 },
    );
    return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    await access.dispose();
  }
}
