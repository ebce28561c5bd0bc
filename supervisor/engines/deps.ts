import { hostname, userInfo } from 'node:os';
import { resolveHome } from '../../lib/home.js';
import type { DockerAdapter } from '../../launcher/docker.js';
import type { EngineDeps } from './types.js';

/** Engine dependencies for a real CLI run: the home from the environment, Docker made on first use. */
export async function engineDeps(
  env: NodeJS.ProcessEnv,
  cwd: string,
  progress: (line: string) => void,
): Promise<EngineDeps> {
  const { createDocker } = await import('../../launcher/docker.js');
  let docker: DockerAdapter | undefined;
  return {
    env,
    home: resolveHome(env, cwd),
    docker: () => (docker ??= createDocker(env)),
    progress,
    now: () => new Date(),
  };
}

/** Who decides: `$CLAUDE_BOTTLE_OPERATOR`, else user@host. Recorded, never trusted for access. */
export function operatorName(env: NodeJS.ProcessEnv, via: string): string {
  const named = env.CLAUDE_BOTTLE_OPERATOR?.trim();
  if (named) return `${named.slice(0, 64)} (${via})`;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    user = env.USER ?? 'unknown';
  }
  return `${user}@${hostname()} (${via})`;
}
