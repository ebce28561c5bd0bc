import { BottleError } from '../../lib/errors.js';
import type { ScanFinding } from './findings.js';
import {
  ALLOW_COMMENT,
  ALLOW_COMMENT_RULE,
  gitleaksReport,
  pushedRangeArgs,
  redactedMatch,
  type GitleaksOptions,
} from './gitleaks-run.js';
import { scanPushedMetadata } from './metadata-scan.js';
import { git, lastLines } from './run-git.js';

export {
  COMMIT_METADATA,
  TAG_METADATA,
  pushedMetadata,
  scanPushedMetadata,
} from './metadata-scan.js';
export type { MetadataText } from './metadata-scan.js';
export type { GitleaksOptions } from './gitleaks-run.js';
export { ALLOW_COMMENT_RULE, pushedRangeArgs } from './gitleaks-run.js';

/**
 * Runs gitleaks (secrets redacted) over the pushed range: the patches, then the metadata the
 * patches do not show (see scanPushedMetadata). A failed scan throws (fail closed).
 */
export async function runGitleaks(options: GitleaksOptions): Promise<ScanFinding[]> {
  const entries = await gitleaksReport(options, options.repoDir, pushedRangeArgs(options.newShas));
  return [
    ...entries.map((entry) => ({
      rule: entry.RuleID,
      ...(entry.Description === undefined ? {} : { description: entry.Description }),
      file: entry.File,
      line: entry.StartLine,
      commit: entry.Commit,
      fingerprint: entry.Fingerprint,
      redacted: redactedMatch(entry.Match),
    })),
    ...(await scanPushedMetadata(options)),
  ];
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
