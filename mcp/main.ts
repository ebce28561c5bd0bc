import { exitCodeOf, formatError } from '../lib/errors.js';
import { parseCommandArgs, type CliIo } from '../lib/cli-args.js';
import { createSuperviseCommand, SUPERVISE_HELP } from './options.js';
import { runSupervise } from './run.js';

/**
 * The supervise sidecar's entry point (bundled into dist/bundles/supervise.mjs): the same
 * flags as `claude-bottle mcp`. The only file in mcp/ that touches `process`.
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SUPERVISE_HELP);
    return 0;
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
  const command = createSuperviseCommand((options, cliIo) =>
    runSupervise(options, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: cliIo.stderr,
      ...(cliIo.signal ? { signal: cliIo.signal } : {}),
    }),
  );
  try {
    return await command.run(parseCommandArgs(command, argv), io);
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
