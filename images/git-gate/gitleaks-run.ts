import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BottleError } from '../../lib/errors.js';
import { lastLines, run } from './run-git.js';

/** The part of a gitleaks 8 JSON report entry the gate uses; other fields are ignored. */
const GitleaksReportSchema = z.array(
  z.looseObject({
    RuleID: z.string(),
    Description: z.string().optional(),
    File: z.string(),
    StartLine: z.number().int().nonnegative(),
    Commit: z.string(),
    Fingerprint: z.string(),
    Match: z.string(),
  }),
);

export const ALLOW_COMMENT_RULE = 'gitleaks-allow-comment';
export const ALLOW_COMMENT = 'gitleaks:allow';

/**
 * `git log` arguments selecting exactly the pushed commits: reachable from a new tip and
 * from no ref the mirror holds (the upstream's refs, as of the sync before the push).
 * Merges are diffed against their first parent, so a merge cannot smuggle content in.
 * `--text` shows every file's content, also of files git would call binary (one NUL byte is
 * enough), which `git log -p` would otherwise summarise as "Binary files differ".
 */
export function pushedRangeArgs(newShas: string[]): string[] {
  return ['--text', '--diff-merges=first-parent', ...newShas, '--not', '--all'];
}

export interface GitleaksOptions {
  repoDir: string;
  configFile: string;
  newShas: string[];
  gitleaksBin?: string;
}

export type GitleaksEntry = z.output<typeof GitleaksReportSchema>[number];

export function redactedMatch(match: string): string {
  return match.includes('REDACTED') ? match : 'REDACTED';
}

export function scanFailed(reason: string): BottleError {
  return new BottleError('CHECK_FAILED', `the secret scan failed: ${reason}`, {
    hint: 'the gate refuses pushes it could not scan; try again, or ask the operator to check the gate',
  });
}

/**
 * The environment for git and gitleaks in the scratch repository: the hook's, without the
 * GIT_* variables receive-pack sets (GIT_DIR, the quarantine's object directories), which
 * would otherwise point them at the mirror.
 */
export function scratchEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  }
  return env;
}

/** `gitleaks detect` in git mode over `git log -p <logOpts>` of the repository in `cwd`. */
export async function gitleaksReport(
  options: GitleaksOptions,
  cwd: string,
  logOpts: string[],
  env?: Record<string, string>,
): Promise<GitleaksEntry[]> {
  const dir = await mkdtemp(join(tmpdir(), 'git-gate-scan-'));
  try {
    const report = join(dir, 'report.json');
    const result = await run(
      options.gitleaksBin ?? 'gitleaks',
      [
        'detect',
        '--no-banner',
        '--redact',
        '--log-level',
        'error',
        '--config',
        options.configFile,
        '--source',
        '.',
        '--log-opts',
        logOpts.join(' '),
        '--report-format',
        'json',
        '--report-path',
        report,
        '--exit-code',
        '0',
      ],
      env === undefined
        ? { cwd, timeoutMs: 300_000 }
        : { cwd, env, extendEnv: false, timeoutMs: 300_000 },
    );
    if (result.exitCode !== 0) throw scanFailed(lastLines(result.stderr));
    return GitleaksReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
