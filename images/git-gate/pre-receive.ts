import { basename, resolve } from 'node:path';
import { isBottleError } from '../../lib/errors.js';
import type { LogSink } from '../../lib/log.js';
import { loadAllowlist } from './allowlist.js';
import { explainFindings, recordFindings, toFindingRecord } from './findings.js';
import { forwardPush } from './forward.js';
import { defaultBranchOf } from './mirror.js';
import { emitOp, type OpFields } from './op-log.js';
import { gatePaths, RUNTIME_DIR_ENV, runtimeFile } from './paths.js';
import { findRemote, loadGitPolicy } from './policy.js';
import { checkRefUpdate, explainRefusals, ZERO_SHA, type Refusal } from './push-policy.js';
import { ciPathsIn, isFastForward, parseRefUpdates } from './ref-facts.js';
import { runGitleaks, scanAllowComments } from './secret-scan.js';

export interface HookIo {
  stdin: string;
  /** Goes to the pushing client as `remote: …` lines. */
  stderr: LogSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock?: () => Date;
}

/**
 * The pre-receive hook of every mirror: policy, then secret scan, then forward upstream.
 * Returns the hook's exit code; non-zero refuses every ref of the push.
 */
export async function preReceive(io: HookIo): Promise<number> {
  const clock = io.clock ?? (() => new Date());
  const started = clock().getTime();
  const runtimeDir = io.env[RUNTIME_DIR_ENV];
  const repoDir = resolve(io.cwd);
  const remoteName = basename(repoDir).replace(/\.git$/, '');
  let refs: string[] = [];
  const finish = async (
    result: OpFields['result'],
    extra: Partial<OpFields> = {},
  ): Promise<number> => {
    const ms = clock().getTime() - started;
    await emitOp(
      runtimeDir,
      { remote: remoteName, op: 'push', refs, result, ms, ...extra },
      io.stderr,
    );
    return result === 'ok' ? 0 : 1;
  };
  try {
    const paths = gatePaths(io.env);
    const updates = parseRefUpdates(io.stdin);
    refs = updates.map((update) => update.ref);
    const policy = await loadGitPolicy(paths.policyFile);
    const remote = findRemote(policy, remoteName);
    if (remote === undefined) {
      io.stderr.write(
        `git-gate: "${remoteName}" is not a declared remote (see ${paths.policyFile}).\n`,
      );
      return await finish('refused', { rule: 'remotes' });
    }

    const defaultBranch = await defaultBranchOf(repoDir);
    const refusals: Refusal[] = [];
    const forced = new Set<string>();
    for (const update of updates) {
      const fastForward = await isFastForward(repoDir, update);
      const ciPaths = remote.push.ci_paths ? [] : await ciPathsIn(repoDir, update.newSha);
      const refusal = checkRefUpdate(remote.push, update, { defaultBranch, fastForward, ciPaths });
      if (refusal) refusals.push(refusal);
      else if (!fastForward) forced.add(update.ref);
    }
    if (refusals.length > 0) {
      io.stderr.write(explainRefusals(remote.name, refusals, paths.policyFile));
      return await finish('refused', { rule: [...new Set(refusals.map((r) => r.rule))].join(',') });
    }

    const newShas = [...new Set(updates.map((u) => u.newSha).filter((sha) => !ZERO_SHA.test(sha)))];
    if (newShas.length > 0) {
      if (runtimeDir === undefined)
        throw new Error(`${RUNTIME_DIR_ENV} is not set: the hook runs only under serve`);
      const allowlist = await loadAllowlist(paths.allowlistFile);
      const found = [
        ...(await runGitleaks({
          repoDir,
          configFile: runtimeFile(runtimeDir, 'gitleaksConfig'),
          newShas,
        })),
        ...(await scanAllowComments(repoDir, newShas)),
      ].filter((finding) => !allowlist.has(finding.fingerprint));
      if (found.length > 0) {
        const now = clock();
        const records = found.map((finding) => toFindingRecord(remote.name, finding, now));
        await recordFindings(paths.findingsDir, records);
        io.stderr.write(explainFindings(remote.name, records));
        return await finish('refused', { rule: 'gitleaks', findings: records.map((r) => r.id) });
      }
    }

    const forwarded = await forwardPush(remote, repoDir, updates, forced, {
      knownHostsFile: paths.knownHostsFile,
      runtimeDir,
      env: io.env,
    });
    io.stderr.write(relay(forwarded.output));
    if (!forwarded.ok) {
      io.stderr.write(
        'git-gate: the upstream refused the push (its answer is above); nothing changed.\n',
      );
      return await finish('failed', { reason: 'upstream refused' });
    }
    return await finish('ok');
  } catch (error) {
    const message = isBottleError(error)
      ? `${error.message}${error.hint ? ` (${error.hint})` : ''}`
      : String(error);
    io.stderr.write(`git-gate: push refused: ${message}\n`);
    return await finish('failed', { reason: isBottleError(error) ? error.code : 'INTERNAL' });
  }
}

function relay(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => `upstream: ${line}\n`).join('');
}
