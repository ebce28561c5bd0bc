import { execa } from 'execa';
import { BottleError } from '../lib/errors.js';

/** The only place `docker compose` is run (via execa), so its failures map in one place. */

export interface ComposeEnv {
  env: NodeJS.ProcessEnv;
}

/** `docker compose version --short`, or COMPOSE_UNAVAILABLE with the fix. */
export async function composeVersion({ env }: ComposeEnv): Promise<string> {
  try {
    const result = await execa('docker', ['compose', 'version', '--short'], {
      env,
      extendEnv: false,
      timeout: 20_000,
    });
    return result.stdout.trim();
  } catch (error) {
    throw new BottleError(
      'COMPOSE_UNAVAILABLE',
      '`docker compose` (the compose v2 plugin) is not available',
      {
        hint: 'install the compose v2 plugin: Docker Desktop ships it; on Debian `apt-get install docker-compose` from trixie (see .ci/setup-engine.sh)',
        cause: error,
      },
    );
  }
}
