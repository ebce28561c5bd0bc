import { readFileSync } from 'node:fs';
import { exitCodeOf, formatError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { accessHook } from './access-hook.js';
import { preReceive } from './pre-receive.js';
import { serve } from './serve.js';

const USAGE =
  'usage: git-gate serve [--secrets-dir DIR] | access-hook <service> <path> … | pre-receive';

/**
 * One bundle, three roles: `serve` is the container's entrypoint, git daemon calls
 * `access-hook` before each request, and each mirror's pre-receive hook calls `pre-receive`.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const logger = createLogger({ component: 'git-gate' });
  try {
    switch (command) {
      case 'serve': {
        const secretsDir = serveSecretsDir(rest);
        if (secretsDir === null) {
          process.stderr.write(`${USAGE}\n`);
          return 64;
        }
        return await serve({
          secretsDir,
          scriptPath: process.argv[1] ?? '',
          nodePath: process.execPath,
          env: process.env,
          stdout: process.stdout,
          logger,
          stopSignal: new Promise((resolve) => {
            process.once('SIGTERM', () => resolve());
            process.once('SIGINT', () => resolve());
          }),
        });
      }
      case 'access-hook':
        return await accessHook({ argv: rest, stdout: process.stdout, env: process.env });
      case 'pre-receive':
        return await preReceive({
          stdin: readFileSync(0, 'utf8'),
          stderr: process.stderr,
          env: process.env,
          cwd: process.cwd(),
        });
      default:
        process.stderr.write(`${USAGE}\n`);
        return 64;
    }
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** `serve`'s only flag; null for anything else. */
function serveSecretsDir(args: string[]): string | undefined | null {
  if (args.length === 0) return undefined;
  if (args.length === 2 && args[0] === '--secrets-dir' && args[1]) return args[1];
  return null;
}
