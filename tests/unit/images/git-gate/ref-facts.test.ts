import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ciPathsIn } from '../../../../images/git-gate/ref-facts.js';

// Real git: a mirror that has the upstream's commits, and pushed objects no ref holds yet.
let root = '';
let work = '';
let bare = '';

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.test', ...args], {
    cwd,
  });
  return result.stdout.trim();
}

/** Commits in the agent's checkout and hands the objects to the mirror; returns the tip. */
async function pushed(change: string): Promise<string> {
  await execa('bash', ['-c', change], { cwd: work });
  await git(work, 'add', '-A');
  await git(work, 'commit', '-qm', change);
  const tip = await git(work, 'rev-parse', 'HEAD');
  await git(work, 'push', '-q', bare, `${tip}:refs/gate-test/incoming`);
  await git(bare, 'update-ref', '-d', 'refs/gate-test/incoming');
  return tip;
}

describe('ciPathsIn', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cbtest-ref-facts-'));
    work = join(root, 'work');
    bare = join(root, 'mirror.git');
    await execa('git', ['init', '-q', '-b', 'main', work]);
    await mkdir(join(work, '.github', 'workflows'), { recursive: true });
    await writeFile(join(work, '.github', 'workflows', 'ci.yml'), 'on: push\njobs: {}\n');
    await writeFile(join(work, 'readme.txt'), 'hello\n');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-qm', 'upstream');
    await execa('git', ['clone', '-q', '--bare', work, bare]);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('sees a CI file moved out of the CI paths (git mv), even with rename detection on', async () => {
    await git(work, 'config', 'diff.renames', 'true');
    await git(bare, 'config', 'diff.renames', 'true');
    const tip = await pushed('git mv .github/workflows/ci.yml moved.yml');
    assert.deepEqual(await ciPathsIn(bare, tip), ['.github/workflows/ci.yml']);
  });

  it('ignores commits that touch no CI path', async () => {
    await git(work, 'reset', '-q', '--hard', 'HEAD~1');
    const tip = await pushed('echo more >> readme.txt');
    assert.deepEqual(await ciPathsIn(bare, tip), []);
  });
});
