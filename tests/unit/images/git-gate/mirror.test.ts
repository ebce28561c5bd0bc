import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { defaultBranchOf, ensureMirror, syncMirror } from '../../../../images/git-gate/mirror.js';
import { GitPolicySchema } from '../../../../images/git-gate/policy.js';
import { checkRefUpdate } from '../../../../images/git-gate/push-policy.js';

// Real git; the "https" upstream is a local bare repository reached through insteadOf.
const URL = 'https://git.test/r.git';
let root = '';
let upstream = '';
let mirror = '';
const remote = GitPolicySchema.parse({ v: 1, remotes: [{ name: 'origin', url: URL }] }).remotes[0]!;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.test', ...args], {
    cwd,
  });
  return result.stdout.trim();
}

describe('the default branch a mirror reports', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cbtest-mirror-'));
    upstream = join(root, 'upstream.git');
    mirror = join(root, 'mirror.git');
    const globalConfig = join(root, 'gitconfig');
    await writeFile(globalConfig, `[url "${upstream}"]\n\tinsteadOf = ${URL}\n`);
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    // An empty upstream whose own HEAD names a branch that does not exist.
    await execa('git', ['init', '-q', '--bare', '-b', 'trunk', upstream]);
    await ensureMirror(mirror);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const sync = () => syncMirror(remote, mirror, { knownHostsFile: join(root, 'known_hosts') });

  it('is unknown while the upstream is empty, so no branch is pushable', async () => {
    await sync();
    const defaultBranch = await defaultBranchOf(mirror);
    assert.equal(defaultBranch, undefined);
    for (const branch of ['master', 'main', 'trunk', 'feature/x']) {
      const refusal = checkRefUpdate(
        { force: false, delete: false, tags: false, ci_paths: false },
        { ref: `refs/heads/${branch}`, oldSha: '0'.repeat(40), newSha: 'a'.repeat(40) },
        { defaultBranch, fastForward: true, ciPaths: [] },
      );
      assert.equal(refusal?.rule, 'push.branches', branch);
    }
  });

  it("is the upstream's once it has one, and follows it", async () => {
    const work = join(root, 'work');
    await execa('git', ['init', '-q', '-b', 'trunk', work]);
    await git(work, 'commit', '-q', '--allow-empty', '-m', 'first');
    await git(work, 'push', '-q', upstream, 'HEAD:refs/heads/trunk', 'HEAD:refs/heads/dev');
    await sync();
    assert.equal(await defaultBranchOf(mirror), 'trunk');
    await git(upstream, 'symbolic-ref', 'HEAD', 'refs/heads/dev');
    await sync();
    assert.equal(await defaultBranchOf(mirror), 'dev');
  });

  it('is unknown for a mirror no sync has recorded', async () => {
    const fresh = join(root, 'fresh.git');
    await ensureMirror(fresh);
    assert.equal(await defaultBranchOf(fresh), undefined);
  });
});
