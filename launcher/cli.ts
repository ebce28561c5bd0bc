import { exitCodeOf, formatError, BottleError } from '../lib/errors.js';
import { parseCommandArgs, type CliIo, type Command } from '../lib/cli-args.js';

const VERSION = '0.1.0';

/** argv (without node and script) → exit code. Never calls process.exit. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout.write(`claude-bottle ${VERSION}\n`);
    return 0;
  }
  // Loaded after `--version`: the verbs' definitions pull in zod and yaml (their option
  // schemas), which is most of a bare `claude-bottle --version`'s time otherwise.
  const { COMMANDS } = await import('./commands/index.js');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topLevelHelp(COMMANDS));
    return argv.length === 0 ? 64 : 0;
  }
  const match = findCommand(COMMANDS, argv);
  if (!match) {
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === argv[0]);
    const error =
      group.length > 0
        ? new BottleError(
            'USAGE',
            `"${argv[0]}" needs a subcommand: ${group.map((c) => c.name).join(', ')}`,
            {
              hint: `run \`claude-bottle ${group[0]!.name} --help\``,
            },
          )
        : new BottleError('USAGE', `unknown command "${argv[0]}"`, {
            hint: 'run `claude-bottle --help` for the list',
          });
    io.stderr.write(`${formatError(error)}\n`);
    return error.exitCode;
  }
  const { command, rest } = match;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(parseCommandArgs(command, rest), io);
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

function findCommand(
  commands: readonly Command<never>[],
  argv: string[],
): { command: Command; rest: string[] } | undefined {
  const byLength = [...commands].sort(
    (a, b) => b.name.split(' ').length - a.name.split(' ').length,
  );
  for (const command of byLength) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) {
      return { command: command, rest: argv.slice(words.length) };
    }
  }
  return undefined;
}

function topLevelHelp(commands: readonly Command<never>[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'claude-bottle — run an AI coding agent in a Docker bottle it cannot leak from',
    '',
    'usage: claude-bottle <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run `claude-bottle <command> --help` for a command's options.",
    'Environment: CLAUDE_BOTTLE_HOME (default ~/.claude-bottle) holds bottles/, agents/ and state/.',
    '',
  ].join('\n');
}

function processIo(): CliIo {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: process.stdin opens a handle when first touched, which most verbs never need.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
