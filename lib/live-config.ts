import { join } from 'node:path';

/**
 * `state/<slug>/live-config/`: the one authority for what a bottle runs with. Mounted
 * read-only as a folder into the agent (at AGENT_CONFIG_DIR), the proxy and the gate; changed
 * only on the host, atomically, by the launcher and the supervisor. The only place these
 * file names are spelled.
 */
export const LIVE_CONFIG_FILES = {
  routes: 'routes.yaml',
  dockerfile: 'Dockerfile',
  /** gitleaks fingerprints, one per line (`.gitleaksignore` format); `#` starts a comment. */
  gitleaksAllowlist: 'gitleaks-allowlist',
  /** The git remotes and their push policy, as the gate enforces them (JSON). */
  gitPolicy: 'git-policy.json',
  readme: 'README.md',
} as const;

export type LiveConfigFile = keyof typeof LIVE_CONFIG_FILES;

/** Where the agent (and every sidecar) sees live-config/. */
export const AGENT_CONFIG_DIR = '/etc/claude-bottle/current-config';

export function liveConfigPath(liveConfigDir: string, file: LiveConfigFile): string {
  return join(liveConfigDir, LIVE_CONFIG_FILES[file]);
}
