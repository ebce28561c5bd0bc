import { formatError, exitCodeOf } from '../../lib/errors.js';
import { parseCommandArgs, type CliIo } from '../../lib/cli-args.js';
import { egressProxyCommandSpec } from './command.js';

/**
 * The image's entrypoint (bundled by scripts/bundle.mjs, which calls it): the same flags and
 * the same startProxy as `claude-bottle egress-proxy`. Runs until SIGINT/SIGTERM.
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(egressProxyCommandSpec.help);
    return 0;
  }
  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: stop.signal,
  };
  try {
    return await egressProxyCommandSpec.run(parseCommandArgs(egressProxyCommandSpec, argv), io);
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
  }
}
