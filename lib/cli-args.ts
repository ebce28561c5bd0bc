import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BottleError } from './errors.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** For a yes/no question; absent (or not a TTY) means no one to ask: such verbs take --yes. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM while a command runs. */
  signal?: AbortSignal;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One CLI verb: its help text is the single description of its flags. */
export interface Command<O extends OptionSpec = OptionSpec> {
  /** Words that select it, e.g. `manifest check`. */
  name: string;
  summary: string;
  /** The full `--help` text: usage line, description, every flag. */
  help: string;
  options: O;
  /** How many positionals it takes: [min, max]. */
  positionals?: [number, number];
  run(args: ParsedCommandArgs<O>, io: CliIo): Promise<number>;
}

export interface ParsedCommandArgs<O extends OptionSpec> {
  values: ReturnType<
    typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
  >['values'];
  positionals: string[];
}

/** Parses argv for one command; unknown flags and wrong arity are usage errors. */
export function parseCommandArgs<O extends OptionSpec>(
  command: Command<O>,
  argv: string[],
): ParsedCommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new BottleError('USAGE', `${command.name}: ${(error as Error).message}`, {
      hint: `run \`claude-bottle ${command.name} --help\``,
    });
  }
  const [min, max] = command.positionals ?? [0, 0];
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new BottleError(
      'USAGE',
      `${command.name}: expected ${expected} argument(s), got ${count}${count > 0 ? ` (${parsed.positionals.join(' ')})` : ''}`,
      { hint: `run \`claude-bottle ${command.name} --help\`` },
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Parses `HOST:PORT` (IPv6 in brackets) for listen flags. */
export function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new BottleError('USAGE', `${flag} must be HOST:PORT, got "${text}"`, {
      hint: `for example ${flag} 127.0.0.1:8080`,
    });
  }
  return { host: (match[1] ?? match[2])!, port };
}
