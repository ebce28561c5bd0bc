import { basename, dirname, resolve } from 'node:path';
import { isBottleError } from '../../lib/errors.js';
import type { LogSink } from '../../lib/log.js';
import { ensureMirror, syncMirror } from './mirror.js';
import { emitOp } from './op-log.js';
import { gatePaths, mirrorPath, RUNTIME_DIR_ENV } from './paths.js';
import { findRemote, loadGitPolicy } from './policy.js';

export interface AccessHookIo {
  /** git daemon passes: service, path, hostname, canonical hostname, ip, port. */
  argv: string[];
  /** git daemon sends the first line to the client as the refusal (`--informative-errors`). */
  stdout: LogSink;
  env: NodeJS.ProcessEnv;
  clock?: () => Date;
}

const SERVICES: Record<string, 'fetch' | 'sync'> = {
  'upload-pack': 'fetch',
  'receive-pack': 'sync',
};

/**
 * git daemon's access hook, run before every upload-pack and receive-pack: only declared
 * remotes are served, and only after the mirror was brought up to date from the upstream.
 * A non-zero exit refuses the request; nothing stale is ever served.
 */
export async function accessHook(io: AccessHookIo): Promise<number> {
  const clock = io.clock ?? (() => new Date());
  const started = clock().getTime();
  const [service = '', path = ''] = io.argv;
  const paths = gatePaths(io.env);
  const remoteName = basename(path.replace(/\/+\.?$/, '')).replace(/\.git$/, '');
  const op = SERVICES[service];
  const refuse = (message: string): number => {
    io.stdout.write(`git-gate: ${message.replace(/\s*\n\s*/g, '; ')}\n`);
    return 1;
  };
  if (op === undefined) return refuse(`service "${service}" is not offered`);
  const done = async (result: 'ok' | 'failed' | 'refused', reason?: string): Promise<void> => {
    const ms = clock().getTime() - started;
    const fields = { remote: remoteName, op, refs: [], result, ms, ...(reason ? { reason } : {}) };
    await emitOp(io.env[RUNTIME_DIR_ENV], fields, { write: () => true });
  };
  try {
    const policy = await loadGitPolicy(paths.policyFile);
    const remote = findRemote(policy, remoteName);
    const dir = mirrorPath(paths, remoteName);
    if (remote === undefined || resolve(dirname(path)) !== resolve(paths.mirrorsDir)) {
      await done('refused', 'not a declared remote');
      const declared = policy.remotes.map((r) => `${r.name}.git`).join(', ') || 'none';
      return refuse(
        `"${basename(path)}" is not a declared remote (declared: ${declared}; see ${paths.policyFile})`,
      );
    }
    await ensureMirror(dir);
    await syncMirror(remote, dir, {
      knownHostsFile: paths.knownHostsFile,
      runtimeDir: io.env[RUNTIME_DIR_ENV],
      env: io.env,
    });
    await done('ok');
    return 0;
  } catch (error) {
    await done('failed', isBottleError(error) ? error.message.slice(0, 300) : 'internal error');
    if (isBottleError(error))
      return refuse(`${error.message}${error.hint ? `; ${error.hint}` : ''}`);
    return refuse(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
