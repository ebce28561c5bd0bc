import { runCli } from '../../launcher/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output and the given environment and cwd. */
export async function runCliCaptured(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? { ...process.env },
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

/** One row of `claude-bottle list --json`. */
export interface ListedBottle {
  slug: string;
  status: string;
  containers: Record<string, string> | null;
}

/** The row for `slug` in the output of `list --json`. */
export function listedBottle(listJson: string, slug: string): ListedBottle | undefined {
  return (JSON.parse(listJson) as ListedBottle[]).find((row) => row.slug === slug);
}
