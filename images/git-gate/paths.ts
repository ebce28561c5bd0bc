import { join } from 'node:path';
import { AGENT_CONFIG_DIR, LIVE_CONFIG_FILES } from '../../lib/live-config.js';

/** Where the gate finds its inputs and keeps its state, inside its container. */
export interface GatePaths {
  configDir: string;
  policyFile: string;
  allowlistFile: string;
  stateDir: string;
  mirrorsDir: string;
  findingsDir: string;
  /** Host keys pinned on first use for remotes that declare no known_hosts. */
  knownHostsFile: string;
}

export const DEFAULT_STATE_DIR = '/var/lib/git-gate';

/** `GIT_GATE_CONFIG_DIR` / `GIT_GATE_STATE_DIR` override the mount points (tests, by hand). */
export function gatePaths(env: NodeJS.ProcessEnv = process.env): GatePaths {
  const configDir = env.GIT_GATE_CONFIG_DIR ?? AGENT_CONFIG_DIR;
  const stateDir = env.GIT_GATE_STATE_DIR ?? DEFAULT_STATE_DIR;
  return {
    configDir,
    policyFile: join(configDir, LIVE_CONFIG_FILES.gitPolicy),
    allowlistFile: join(configDir, LIVE_CONFIG_FILES.gitleaksAllowlist),
    stateDir,
    mirrorsDir: join(stateDir, 'mirrors'),
    findingsDir: join(stateDir, 'findings'),
    knownHostsFile: join(stateDir, 'known_hosts'),
  };
}

export function mirrorPath(paths: GatePaths, remoteName: string): string {
  return join(paths.mirrorsDir, `${remoteName}.git`);
}

/**
 * The per-container scratch folder `serve` creates (hooks, gitleaks config, log socket,
 * nss_wrapper files). Its path reaches hooks through this variable, inherited via git daemon.
 */
export const RUNTIME_DIR_ENV = 'GIT_GATE_RUNTIME_DIR';

/**
 * The gate's secrets folder (a file per remote credential, mounted read-only by the launcher):
 * `serve --secrets-dir DIR` sets it for git daemon, whose hooks inherit it.
 */
export const SECRETS_DIR_ENV = 'GIT_GATE_SECRETS_DIR';
export const DEFAULT_SECRETS_DIR = '/run/claude-bottle/secrets';

export const RUNTIME_FILES = {
  hooksDir: 'hooks',
  gitleaksConfig: 'gitleaks.toml',
  logSocket: 'log.sock',
  passwd: 'passwd',
  group: 'group',
} as const;

export function runtimeFile(runtimeDir: string, file: keyof typeof RUNTIME_FILES): string {
  return join(runtimeDir, RUNTIME_FILES[file]);
}
