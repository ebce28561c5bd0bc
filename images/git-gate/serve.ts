import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { LogSink, Logger } from '../../lib/log.js';
import { writeGateGitleaksConfig } from './gitleaks-config.js';
import { ensureMirror } from './mirror.js';
import { startOpLogRelay } from './op-log.js';
import { gatePaths, mirrorPath, RUNTIME_DIR_ENV, runtimeFile, SECRETS_DIR_ENV } from './paths.js';
import { loadGitPolicy } from './policy.js';

export const GIT_DAEMON_PORT = 9418;

export interface ServeOptions {
  /** This bundle: git daemon and the hooks call back into it. */
  scriptPath: string;
  nodePath: string;
  env: NodeJS.ProcessEnv;
  /** `--secrets-dir DIR`: the remotes' credential files (default /run/claude-bottle/secrets). */
  secretsDir?: string;
  stdout: LogSink;
  logger: Logger;
  gitleaksBin?: string;
  /** Resolves when the gate should stop (SIGTERM/SIGINT in main). */
  stopSignal: Promise<void>;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Config every git process under the daemon sees, via the environment it inherits. */
function gitConfigEnv(hooksDir: string): Record<string, string> {
  const entries: Array<[string, string]> = [
    ['core.hooksPath', hooksDir],
    // Mirrors live in a host folder that may belong to another uid than the one we run as.
    ['safe.directory', '*'],
    ['receive.fsckObjects', 'true'],
    ['gc.auto', '0'],
  ];
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

async function prepareRuntime(options: ServeOptions): Promise<string> {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'git-gate-'));
  await chmod(runtimeDir, 0o700);
  await writeGateGitleaksConfig(
    options.gitleaksBin ?? '/usr/bin/gitleaks',
    runtimeFile(runtimeDir, 'gitleaksConfig'),
  );
  const hooksDir = runtimeFile(runtimeDir, 'hooksDir');
  await mkdir(hooksDir);
  const hook = `#!/bin/sh\nexec ${shellQuote(options.nodePath)} ${shellQuote(options.scriptPath)} pre-receive\n`;
  await writeFile(join(hooksDir, 'pre-receive'), hook, { mode: 0o755 });
  // ssh needs a passwd entry for our uid; the uid is chosen at run time (nss_wrapper reads these).
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const home = options.env.HOME ?? '/var/lib/git-gate';
  let name = 'git-gate';
  try {
    name = userInfo().username;
  } catch {
    // No entry for this uid: exactly the case the files below exist for.
  }
  await writeFile(
    runtimeFile(runtimeDir, 'passwd'),
    `${name}:x:${uid}:${gid}:git-gate:${home}:/bin/sh\n`,
  );
  await writeFile(runtimeFile(runtimeDir, 'group'), `${name}:x:${gid}:\n`);
  return runtimeDir;
}

/**
 * The container's entrypoint: checks the policy, prepares mirrors and hooks, relays the hooks'
 * operation lines to stdout, and runs `git daemon` until told to stop.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const paths = gatePaths(options.env);
  const policy = await loadGitPolicy(paths.policyFile);
  await mkdir(paths.mirrorsDir, { recursive: true });
  await mkdir(paths.findingsDir, { recursive: true });
  for (const remote of policy.remotes) await ensureMirror(mirrorPath(paths, remote.name));
  const runtimeDir = await prepareRuntime(options);
  const relay = await startOpLogRelay(runtimeDir, options.stdout);
  const accessHook = `${shellQuote(options.nodePath)} ${shellQuote(options.scriptPath)} access-hook`;
  const daemon = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      `--port=${GIT_DAEMON_PORT}`,
      `--base-path=${paths.mirrorsDir}`,
      '--export-all',
      '--enable=receive-pack',
      '--informative-errors',
      `--access-hook=${accessHook}`,
      '--log-destination=stderr',
      paths.mirrorsDir,
    ],
    {
      env: {
        ...options.env,
        ...gitConfigEnv(runtimeFile(runtimeDir, 'hooksDir')),
        [RUNTIME_DIR_ENV]: runtimeDir,
        ...(options.secretsDir === undefined ? {} : { [SECRETS_DIR_ENV]: options.secretsDir }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  options.logger.info('serving', {
    port: GIT_DAEMON_PORT,
    remotes: policy.remotes.map((r) => r.name),
  });
  let stopping = false;
  void options.stopSignal.then(() => {
    stopping = true;
    daemon.kill('SIGTERM');
  });
  const code = await new Promise<number>((resolve) => {
    daemon.on('error', (error) => {
      options.logger.error('git daemon failed to start', { error });
      resolve(70);
    });
    daemon.on('exit', (exitCode) => resolve(exitCode ?? 0));
  });
  relay.close();
  await rm(runtimeDir, { recursive: true, force: true });
  if (stopping) return 0;
  options.logger.error('git daemon exited', { code });
  return code === 0 ? 70 : code;
}
