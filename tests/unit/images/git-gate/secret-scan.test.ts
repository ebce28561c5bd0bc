import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import {
  extractEmbeddedConfig,
  withoutGlobalAllowlist,
  writeGateGitleaksConfig,
} from '../../../../images/git-gate/gitleaks-config.js';
import {
  findAllowComments,
  runGitleaks,
  scanAllowComments,
} from '../../../../images/git-gate/secret-scan.js';

// Real git and the real gitleaks 8.16 installed on this machine (the image's version).
const GITLEAKS = '/usr/bin/gitleaks';
let root = '';
let config = '';
let bare = '';
let base = '';
let tip = '';
const token = `ghp_${randomBytes(27)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, 'x')
  .slice(0, 36)}`;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.test', ...args], {
    cwd,
  });
  return result.stdout.trim();
}

describe('secret scan over a pushed range', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cbtest-scan-'));
    config = join(root, 'gitleaks.toml');
    await writeGateGitleaksConfig(GITLEAKS, config);
    const work = join(root, 'work');
    await execa('git', ['init', '-q', '-b', 'main', work]);
    await execa('bash', ['-c', `printf '%s\\n' 'old = ${token}' > old.txt`], { cwd: work });
    await git(work, 'add', '.');
    await git(work, 'commit', '-qm', 'already upstream');
    base = await git(work, 'rev-parse', 'HEAD');
    bare = join(root, 'mirror.git');
    await execa('git', ['clone', '-q', '--bare', work, bare]);
    const script = [
      'mkdir -p vendor node_modules/pkg',
      `printf 'k = %s\\n' '${token}' > vendor/a.txt`,
      `printf 'line one\\nconst t = "${token}";\\n' > node_modules/pkg/index.js`,
      `printf 'x = 1 # gitleaks:allow\\n' > package-lock.json`,
    ].join(' && ');
    await execa('bash', ['-c', script], { cwd: work });
    await git(work, 'add', '.');
    await git(work, 'commit', '-qm', 'pushed');
    tip = await git(work, 'rev-parse', 'HEAD');
    // The pushed objects, as receive-pack would hold them before the refs move.
    await git(work, 'push', '-q', bare, `${tip}:refs/gate-test/incoming`);
    await git(bare, 'update-ref', '-d', 'refs/gate-test/incoming');
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps every gitleaks rule and drops the global path allowlist', async () => {
    const text = await readFile(config, 'utf8');
    assert.ok(text.split('[[rules]]').length > 100);
    assert.doesNotMatch(text, /^\[allowlist\]/m);
    assert.doesNotMatch(text, /'''node_modules'''/);
  });

  it('finds the tokens in vendor/ and node_modules/, only in the pushed commits, redacted', async () => {
    const findings = await runGitleaks({
      repoDir: bare,
      configFile: config,
      newShas: [tip],
      gitleaksBin: GITLEAKS,
    });
    const files = findings.map((f) => `${f.file}:${f.line}:${f.rule}`).sort();
    assert.deepEqual(files, [
      'node_modules/pkg/index.js:2:github-pat',
      'vendor/a.txt:1:github-pat',
    ]);
    for (const finding of findings) {
      assert.equal(finding.commit, tip);
      assert.equal(finding.fingerprint, `${tip}:${finding.file}:github-pat:${finding.line}`);
      assert.ok(!JSON.stringify(finding).includes(token));
    }
    assert.ok(
      !findings.some((f) => f.commit === base),
      'commits the upstream has are not rescanned',
    );
  });

  it('reports an added line carrying gitleaks:allow, which gitleaks itself skips', async () => {
    const findings = await scanAllowComments(bare, [tip]);
    assert.deepEqual(
      findings.map((f) => [f.file, f.line, f.rule, f.fingerprint]),
      [
        [
          'package-lock.json',
          1,
          'gitleaks-allow-comment',
          `${tip}:package-lock.json:gitleaks-allow-comment:1`,
        ],
      ],
    );
    assert.doesNotMatch(findings[0]?.redacted ?? '', /x = 1/);
  });

  it('fails closed when gitleaks cannot run', async () => {
    await assert.rejects(
      runGitleaks({
        repoDir: bare,
        configFile: join(root, 'missing.toml'),
        newShas: [tip],
        gitleaksBin: GITLEAKS,
      }),
      /secret scan failed/,
    );
  });
});

describe('findAllowComments', () => {
  const commit = 'c'.repeat(40);
  it('counts new-side line numbers across hunks and ignores removed lines', () => {
    const patch = [
      `commit ${commit}`,
      '',
      'diff --git a/f.txt b/f.txt',
      '--- a/f.txt',
      '+++ b/f.txt',
      '@@ -1 +1,2 @@',
      '-old gitleaks:allow',
      '+new',
      '+second gitleaks:allow',
      '@@ -10,0 +11 @@',
      '++++ b/not-a-header gitleaks:allow',
    ].join('\n');
    assert.deepEqual(
      findAllowComments(patch).map((f) => `${f.file}:${f.line}`),
      ['f.txt:2', 'f.txt:11'],
    );
  });
});

describe('the embedded gitleaks configuration', () => {
  it('is refused when the binary holds none', () => {
    assert.throws(
      () => extractEmbeddedConfig(Buffer.from('not gitleaks')),
      /no embedded default configuration/,
    );
  });
  it('is refused when its layout changed', () => {
    assert.throws(
      () => withoutGlobalAllowlist('title = "gitleaks config"\n[[rules]]\nid = "x"\n'),
      /unexpected layout/,
    );
  });
});
