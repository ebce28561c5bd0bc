import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BottleError } from '../../lib/errors.js';
import type { ScanFinding } from './findings.js';
import { git, lastLines, run } from './run-git.js';

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
const ALLOW_COMMENT = 'gitleaks:allow';

/**
 * `git log` arguments selecting exactly the pushed commits: reachable from a new tip and
 * from no ref the mirror holds (the upstream's refs, as of the sync before the push).
 * Merges are diffed against their first parent, so a merge cannot smuggle content in.
 */
export function pushedRangeArgs(newShas: string[]): string[] {
  return ['--diff-merges=first-parent', ...newShas, '--not', '--all'];
}

export interface GitleaksOptions {
  repoDir: string;
  configFile: string;
  newShas: string[];
  gitleaksBin?: string;
}

/** Runs gitleaks (secrets redacted) over the pushed range; a failed scan throws (fail closed). */
export async function runGitleaks(options: GitleaksOptions): Promise<ScanFinding[]> {
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
        pushedRangeArgs(options.newShas).join(' '),
        '--report-format',
        'json',
        '--report-path',
        report,
        '--exit-code',
        '0',
      ],
      { cwd: options.repoDir, timeoutMs: 300_000 },
    );
    if (result.exitCode !== 0) {
      throw new BottleError('CHECK_FAILED', `the secret scan failed: ${lastLines(result.stderr)}`, {
        hint: 'the gate refuses pushes it could not scan; try again, or ask the operator to check the gate',
      });
    }
    const entries = GitleaksReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
    return entries.map((entry) => ({
      rule: entry.RuleID,
      ...(entry.Description === undefined ? {} : { description: entry.Description }),
      file: entry.File,
      line: entry.StartLine,
      commit: entry.Commit,
      fingerprint: entry.Fingerprint,
      redacted: entry.Match.includes('REDACTED') ? entry.Match : 'REDACTED',
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * gitleaks skips every line containing `gitleaks:allow`; the agent must not be able to
 * exempt its own line, so the gate reports such added lines itself.
 */
export async function scanAllowComments(
  repoDir: string,
  newShas: string[],
): Promise<ScanFinding[]> {
  const result = await git(
    [
      '-c',
      'core.quotePath=false',
      'log',
      '-p',
      '-U0',
      '--no-color',
      '--no-ext-diff',
      '--format=commit %H',
      ...pushedRangeArgs(newShas),
    ],
    { cwd: repoDir, timeoutMs: 300_000 },
  );
  if (result.exitCode !== 0) {
    throw new BottleError(
      'CHECK_FAILED',
      `cannot list the pushed changes: ${lastLines(result.stderr)}`,
      {
        hint: 'the gate refuses pushes it could not scan',
      },
    );
  }
  return findAllowComments(result.stdout);
}

/** Parses `git log -p -U0 --format='commit %H'` output for added lines carrying the marker. */
export function findAllowComments(patch: string): ScanFinding[] {
  const findings: ScanFinding[] = [];
  let commit = '';
  let file = '';
  let inHunk = false;
  let newLine = 0;
  for (const line of patch.split('\n')) {
    if (inHunk && /^[+\- \\]/.test(line)) {
      if (line.startsWith('+')) {
        if (line.includes(ALLOW_COMMENT)) {
          findings.push({
            rule: ALLOW_COMMENT_RULE,
            description: 'an added line carries gitleaks:allow, which would hide it from the scan',
            file,
            line: newLine,
            commit,
            fingerprint: `${commit}:${file}:${ALLOW_COMMENT_RULE}:${newLine}`,
            redacted: `REDACTED (line withheld; it carries ${ALLOW_COMMENT})`,
          });
        }
        newLine += 1;
      }
      continue;
    }
    inHunk = false;
    const commitMatch = /^commit ([0-9a-f]{40,64})$/.exec(line);
    const fileMatch = /^\+\+\+ b\/(.*)$/.exec(line);
    const hunkMatch = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (commitMatch) commit = commitMatch[1] ?? '';
    else if (line.startsWith('diff --git '))
      file = /^diff --git a\/.* b\/(.*)$/.exec(line)?.[1] ?? file;
    else if (fileMatch) file = fileMatch[1] ?? file;
    else if (hunkMatch) {
      inHunk = true;
      newLine = Number(hunkMatch[1]);
    }
  }
  return findings;
}
