import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ScanFinding } from './findings.js';
import { git, lastLines } from './run-git.js';
import {
  ALLOW_COMMENT,
  ALLOW_COMMENT_RULE,
  gitleaksReport,
  pushedRangeArgs,
  redactedMatch,
  scanFailed,
  scratchEnv,
  type GitleaksEntry,
  type GitleaksOptions,
} from './gitleaks-run.js';

/** The `file` of a finding in a pushed commit's object (author, committer, message) or names. */
export const COMMIT_METADATA = '(commit metadata)';
/** The `file` of a finding in a pushed annotated tag object (tagger, message). */
export const TAG_METADATA = '(tag metadata)';

/** One pushed git object whose text the patches do not show, as the scan sees it. */
export interface MetadataText {
  /** The commit or tag object's id. */
  sha: string;
  /** COMMIT_METADATA or TAG_METADATA. */
  kind: string;
  text: Buffer;
}

/**
 * gitleaks 8.16 reads only `git log -p`: author and committer, the commit message, file names
 * and annotated tags never reach it. The gate writes each pushed commit object (headers and
 * message, raw) followed by the names it adds, changes or deletes, and each pushed tag object,
 * as a file of a scratch repository, commits them and lets gitleaks scan that commit in git
 * mode (`--text`: directory mode would skip a file whose first bytes look like an archive).
 * A hit is reported against the pushed object, with a fingerprint that is the same for the same
 * object on every push, so that `gitleaks-allow` can allow it like any other finding. Lines
 * carrying `gitleaks:allow`, which gitleaks would skip, are findings too.
 */
export async function scanPushedMetadata(options: GitleaksOptions): Promise<ScanFinding[]> {
  const texts = await pushedMetadata(options.repoDir, options.newShas);
  if (texts.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'git-gate-meta-'));
  try {
    const scratch = join(dir, 'scratch');
    const byPath = new Map<string, MetadataText>();
    await mkdir(join(scratch, 'objects'), { recursive: true });
    for (const [index, text] of texts.entries()) {
      const path = `objects/${index}`;
      byPath.set(path, text);
      await writeFile(join(scratch, path), text.text);
    }
    const env = scratchEnv();
    const scratchGit = [
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.autocrlf=false',
      '-c',
      'commit.gpgsign=false',
      '-c',
      'user.name=git-gate',
      '-c',
      'user.email=git-gate@invalid',
    ];
    for (const args of [
      ['init', '--quiet', '.'],
      ['add', '--all'],
      ['commit', '--quiet', '--no-verify', '-m', 'scan'],
    ]) {
      const result = await git([...scratchGit, ...args], {
        cwd: scratch,
        env,
        extendEnv: false,
        timeoutMs: 300_000,
      });
      if (result.exitCode !== 0) throw scanFailed(lastLines(result.stderr));
    }
    const findings: ScanFinding[] = [];
    for (const entry of await gitleaksReport(options, scratch, ['--text', '--no-renames'], env)) {
      const text = byPath.get(entry.File);
      if (text === undefined) throw scanFailed(`unexpected file in the metadata scan`);
      findings.push(
        metadataFinding(text, entry.RuleID, entry.StartLine, redactedMatch(entry.Match), entry),
      );
    }
    for (const text of texts) {
      text.text
        .toString('latin1')
        .split('\n')
        .forEach((line, index) => {
          if (line.includes(ALLOW_COMMENT))
            findings.push(
              metadataFinding(
                text,
                ALLOW_COMMENT_RULE,
                index + 1,
                `REDACTED (line withheld; it carries ${ALLOW_COMMENT})`,
              ),
            );
        });
    }
    return findings;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function metadataFinding(
  text: MetadataText,
  rule: string,
  line: number,
  redacted: string,
  entry?: GitleaksEntry,
): ScanFinding {
  const description =
    entry === undefined
      ? `a line of the ${text.kind === TAG_METADATA ? 'tag' : 'commit'} carries gitleaks:allow, which would hide it from the scan`
      : entry.Description;
  return {
    rule,
    ...(description === undefined ? {} : { description }),
    file: text.kind,
    line,
    commit: text.sha,
    fingerprint: `${text.sha}:${text.kind}:${rule}:${line}`,
    redacted,
  };
}

/**
 * The pushed commit objects, each followed by the names its first-parent diff touches
 * (`--no-renames`: both sides of a rename), and the pushed annotated tag objects, tags of
 * tags included.
 */
export async function pushedMetadata(repoDir: string, newShas: string[]): Promise<MetadataText[]> {
  // A marker the pushed content cannot forge: names may hold any byte but NUL.
  const marker = `git-gate-${randomBytes(16).toString('hex')} `;
  const log = await git(
    [
      'log',
      '-z',
      `--format=${marker}%H`,
      '--name-only',
      '--no-renames',
      ...pushedRangeArgs(newShas),
    ],
    { cwd: repoDir, timeoutMs: 300_000 },
  );
  if (log.exitCode !== 0)
    throw scanFailed(`cannot list the pushed commits: ${lastLines(log.stderr)}`);
  const names = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const token of log.stdout.split('\0')) {
    const field = token.startsWith('\n') ? token.slice(1) : token;
    if (field.startsWith(marker)) {
      current = [];
      names.set(field.slice(marker.length), current);
    } else if (field !== '') current?.push(field);
  }
  const texts: MetadataText[] = [];
  const commits = await readObjects(repoDir, [...names.keys()]);
  for (const [sha, object] of commits) {
    const listed = names.get(sha) ?? [];
    texts.push({
      sha,
      kind: COMMIT_METADATA,
      text: Buffer.concat([object.body, Buffer.from(`\n${listed.map((n) => `${n}\n`).join('')}`)]),
    });
  }
  const seen = new Set<string>();
  let pending = [...newShas];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const [sha, object] of await readObjects(repoDir, pending)) {
      if (object.type !== 'tag' || seen.has(sha)) continue;
      seen.add(sha);
      texts.push({ sha, kind: TAG_METADATA, text: object.body });
      const target = /^object ([0-9a-f]{40,64})\ntype tag\n/.exec(object.body.toString('latin1'));
      if (target?.[1] !== undefined) next.push(target[1]);
    }
    pending = next;
  }
  return texts;
}

/** Raw objects by id, from one `git cat-file --batch` (sizes are in bytes, so read bytes). */
async function readObjects(
  repoDir: string,
  shas: string[],
): Promise<Map<string, { type: string; body: Buffer }>> {
  const objects = new Map<string, { type: string; body: Buffer }>();
  if (shas.length === 0) return objects;
  const result = await execa('git', ['cat-file', '--batch'], {
    cwd: repoDir,
    input: `${shas.join('\n')}\n`,
    encoding: 'buffer',
    reject: false,
    timeout: 300_000,
  });
  const out = Buffer.from(result.stdout);
  if (result.exitCode !== 0) throw scanFailed('cannot read the pushed objects');
  let offset = 0;
  for (const sha of shas) {
    const eol = out.indexOf(0x0a, offset);
    const header = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(
      out.subarray(offset, eol).toString('latin1'),
    );
    if (eol < 0 || header?.[1] !== sha) throw scanFailed(`cannot read the pushed object ${sha}`);
    const size = Number(header[3]);
    objects.set(sha, { type: header[2] ?? '', body: out.subarray(eol + 1, eol + 1 + size) });
    offset = eol + 1 + size + 1;
  }
  return objects;
}
