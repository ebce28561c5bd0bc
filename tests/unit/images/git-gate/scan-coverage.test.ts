import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { explainFindings, toFindingRecord } from '../../../../images/git-gate/findings.js';
import { writeGateGitleaksConfig } from '../../../../images/git-gate/gitleaks-config.js';
import {
  COMMIT_METADATA,
  runGitleaks,
  scanAllowComments,
  TAG_METADATA,
} from '../../../../images/git-gate/secret-scan.js';

// What `git log -p` does not show: metadata, file names, tags, "binary" files. Real git and
// the real gitleaks 8.16 installed on this machine (the image's version).
const GITLEAKS = '/usr/bin/gitleaks';
const newToken = () =>
  `ghp_${randomBytes(27)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 36)}`;
const tokens = Array.from({ length: 7 }, newToken);
const [inMessage, inAuthor, inName, inBinary, inTag, upstreamToken, inCommitter] = tokens as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
let root = '';
let config = '';
let bare = '';
const sha: Record<string, string> = {};

async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.test', ...args], {
    cwd,
    env,
  });
  return result.stdout.trim();
}

describe('the pushed-range scan beyond patch text', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cbtest-scan-meta-'));
    config = join(root, 'gitleaks.toml');
    await writeGateGitleaksConfig(GITLEAKS, config);
    const work = join(root, 'work');
    await execa('git', ['init', '-q', '-b', 'main', work]);
    await writeFile(join(work, 'readme.txt'), 'hello\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', `already upstream\n\ntoken ${upstreamToken}`]);
    bare = join(root, 'mirror.git');
    await execa('git', ['clone', '-q', '--bare', work, bare]);

    await writeFile(join(work, 'a.txt'), 'a\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', `subject\n\nthe key is ${inMessage}\nok # gitleaks:allow`]);
    sha.message = await git(work, ['rev-parse', 'HEAD']);

    await writeFile(join(work, 'b.txt'), 'b\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'plain'], {
      GIT_AUTHOR_NAME: inAuthor,
      GIT_COMMITTER_EMAIL: `${inCommitter}@x.test`,
    });
    sha.people = await git(work, ['rev-parse', 'HEAD']);

    await writeFile(join(work, `${inName}.txt`), 'innocent\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'a file']);
    sha.name = await git(work, ['rev-parse', 'HEAD']);

    // One NUL byte makes git call the file binary; `git log -p` then shows no content.
    await writeFile(join(work, 'data.txt'), `\0\ntoken = ${inBinary}\n`);
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'data']);
    sha.binary = await git(work, ['rev-parse', 'HEAD']);

    await git(work, ['tag', '-a', 'v1', '-m', `release\n\n${inTag}`]);
    sha.tag = await git(work, ['rev-parse', 'refs/tags/v1']);
    // The pushed objects, as receive-pack would hold them before the refs move.
    await git(work, ['push', '-q', bare, 'refs/tags/v1:refs/gate-test/incoming']);
    await git(bare, ['update-ref', '-d', 'refs/gate-test/incoming']);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const scan = () =>
    runGitleaks({
      repoDir: bare,
      configFile: config,
      newShas: [sha.tag ?? ''],
      gitleaksBin: GITLEAKS,
    });

  it('finds secrets in messages, author and committer, file names, binary files and tags', async () => {
    const findings = await scan();
    const seen = findings.map((f) => `${f.commit}:${f.file}:${f.rule}`).sort();
    assert.deepEqual(
      seen,
      [
        `${sha.binary}:data.txt:github-pat`,
        `${sha.message}:${COMMIT_METADATA}:github-pat`,
        `${sha.name}:${COMMIT_METADATA}:github-pat`,
        `${sha.people}:${COMMIT_METADATA}:github-pat`,
        `${sha.people}:${COMMIT_METADATA}:github-pat`,
        `${sha.message}:${COMMIT_METADATA}:gitleaks-allow-comment`,
        `${sha.tag}:${TAG_METADATA}:github-pat`,
      ].sort(),
    );
    const text = JSON.stringify(findings);
    for (const token of tokens) assert.ok(!text.includes(token), 'no finding holds a secret');
    assert.ok(
      !findings.some((f) => !Object.values(sha).includes(f.commit)),
      'what the upstream has is not rescanned',
    );
  });

  it('names each metadata finding by a fingerprint that is the same on every push', async () => {
    const first = await scan();
    const second = await scan();
    assert.deepEqual(
      first.map((f) => f.fingerprint).sort(),
      second.map((f) => f.fingerprint).sort(),
    );
    for (const finding of first) {
      assert.equal(
        finding.fingerprint,
        `${finding.commit}:${finding.file}:${finding.rule}:${finding.line}`,
      );
    }
    const records = first.map((f) => toFindingRecord('origin', f, new Date(0)));
    const refusal = explainFindings('origin', records);
    for (const record of records) assert.ok(refusal.includes(record.id));
    for (const token of tokens) assert.ok(!refusal.includes(token), 'the refusal holds no secret');
  });

  it("works inside receive-pack's environment and leaves the mirror alone", async () => {
    const refsBefore = await git(bare, ['for-each-ref']);
    process.env.GIT_DIR = bare;
    try {
      assert.equal((await scan()).length, 7);
    } finally {
      delete process.env.GIT_DIR;
    }
    assert.equal(await git(bare, ['for-each-ref']), refsBefore);
  });

  it('reads gitleaks:allow in files git calls binary', async () => {
    const work = join(root, 'work');
    await writeFile(join(work, 'blob.bin'), '\0\nk = 1 # gitleaks:allow\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'blob']);
    const tip = await git(work, ['rev-parse', 'HEAD']);
    await git(work, ['push', '-q', bare, `${tip}:refs/gate-test/incoming`]);
    await git(bare, ['update-ref', '-d', 'refs/gate-test/incoming']);
    const findings = await scanAllowComments(bare, [tip]);
    assert.ok(findings.some((f) => f.file === 'blob.bin' && f.rule === 'gitleaks-allow-comment'));
  });
});
