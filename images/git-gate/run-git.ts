import { execa } from 'execa';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** false: the child sees only `env`, not the gate's own environment. */
  extendEnv?: boolean;
  input?: string;
  timeoutMs?: number;
}

/** Runs a program to completion and never throws for a non-zero exit: callers decide. */
export async function run(
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    input: options.input ?? '',
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stripFinalNewline: false,
  });
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : 128;
  return { exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

export function git(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run('git', args, options);
}

/** The last few lines of a process's error output, on one line, for a refusal message. */
export function lastLines(text: string, count = 3): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join('; ');
}
