import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { runCliCaptured } from '../../helpers/cli.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import {
  buildUpstreamImage,
  docker,
  fakeGithubToken,
  generateSshKey,
  upstreamCommit,
  upstreamRef,
} from '../git-gate/fixture.js';
import { networkGateway } from './helpers.js';

// Threat row: "pushing a secret, or pushing around the gate". A real bottle with one git remote
// (an sshd upstream published on the host, as tests/e2e/launcher/bottle-with-remote.test.ts
// sets it up); the agent pushes from /workspace through git-gate every way the policy or
// gitleaks should refuse. Each test checks the upstream ref did not move; the first shows a
// clean push does land, so a refusal is the gate's doing.
const upstream = `cbtest-attack-git-${randomBytes(3).toString('hex')}`;
let tree: TempTree;
let env: NodeJS.ProcessEnv;
let slug = '';
let composeFile = '';

const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.root });
const inWorkspace = (script: string) =>
  execa(
    'docker',
    [
      'compose',
      '-f',
      composeFile,
      'exec',
      '-T',
      '-u',
      '1000:1000',
      'agent',
      'bash',
      '-c',
      `cd /workspace && ${script} 2>&1; echo "exit=$?"`,
    ],
    { reject: false, timeout: 120_000 },
  );

/** The agent commits on a fresh branch off origin/main and pushes; returns git's output. */
async function pushNew(branch: string, commit: string, refspec = `HEAD:refs/heads/${branch}`) {
  const run = await inWorkspace(
    `git checkout -q -B ${branch} origin/main && ${commit} && git push origin ${refspec}`,
  );
  return run.stdout;
}

function assertRefused(output: string, pattern: RegExp): void {
  assert.match(output, /exit=[1-9]/, output);
  assert.match(output, pattern, output);
}

describe('attack: push around git-gate’s policy and gitleaks', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    const [image, key] = await Promise.all([buildUpstreamImage(), generateSshKey()]);
    const run = await docker(
      ['run', '-d', '--name', upstream, '-p', '0.0.0.0::22', '-e', 'AUTHORIZED_KEY', image],
      { env: { AUTHORIZED_KEY: key.publicKey } },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    const port = /:(\d+)\s*$/m.exec((await docker(['port', upstream, '22/tcp'])).stdout)?.[1];
    assert.ok(port, 'the upstream ssh port is published');
    await upstreamCommit(upstream, 'README.md', 'from upstream');
    tree = await tempTree({ 'keys/deploy': key.privateKey });
    await tree.write(
      'home/bottles/remote.md',
      `---
agent_provider: none
secrets:
  deploy: file:${tree.path('keys/deploy')}
git:
  user: { name: Bottle Agent, email: agent@bottle.test }
  remotes:
    - name: origin
      url: ssh://git@upstream.test:${port}/srv/repo.git
      identity: deploy
      extra_hosts: { upstream.test: ${await networkGateway('bridge')} }
      push: { tags: true }
---
`,
    );
    await tree.write('home/agents/scripted.md', '---\nbottle: remote\n---\nA scripted agent.\n');
    env = { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') };
    const started = await cli('start', 'scripted', '--detach', '--branch', 'agent/work');
    slug = started.stdout.trim();
    composeFile = tree.path(`home/state/${slug}/docker-compose.yml`);
    assert.equal(started.code, 0, started.stderr);
    const setup = await inWorkspace(
      'git config user.name Agent && git config user.email a@bottle.test',
    );
    assert.match(setup.stdout, /exit=0/);
  });

  after(async () => {
    await docker(['rm', '-f', upstream]);
    if (!tree) return;
    for (const state of await readdir(tree.path('home/state')).catch(() => [] as string[])) {
      const file = tree.path(`home/state/${state}/docker-compose.yml`);
      await execa('docker', ['compose', '-f', file, 'down', '-v', '--timeout', '2'], {
        reject: false,
        env,
      });
      // The bottle's secret files live in a host folder outside the temp home.
      const metadata: { secrets_dir?: string } = await readFile(
        tree.path(`home/state/${state}/metadata.json`),
        'utf8',
      )
        .then((text) => JSON.parse(text) as { secrets_dir?: string })
        .catch(() => ({}));
      if (metadata.secrets_dir) await rm(metadata.secrets_dir, { recursive: true, force: true });
    }
    await tree.remove();
  });

  it('pushing around the gate: a clean push lands (the control), a force-push over it is refused', async () => {
    const clean = await pushNew(
      'agent/clean',
      'echo one > one.txt && git add one.txt && git commit -qm one',
    );
    assert.match(clean, /exit=0/, clean);
    const landed = await upstreamRef(upstream, 'refs/heads/agent/clean');
    assert.ok(landed);
    const forced = await inWorkspace(
      'git commit -q --amend -m rewritten && git push -f origin HEAD:refs/heads/agent/clean',
    );
    assertRefused(forced.stdout, /push\.force/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/clean'), landed);
  });

  it('pushing around the gate: a push to the protected default branch is refused', async () => {
    const main = await upstreamRef(upstream, 'refs/heads/main');
    const out = await pushNew(
      'agent/to-main',
      'git commit -q --allow-empty -m x',
      'HEAD:refs/heads/main',
    );
    assertRefused(out, /push\.branches/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/main'), main);
  });

  it('pushing around the gate: deleting a branch and pushing outside refs/heads and refs/tags are refused', async () => {
    const deleted = await inWorkspace('git push origin :refs/heads/agent/clean');
    assertRefused(deleted.stdout, /push\.delete/);
    assert.ok(await upstreamRef(upstream, 'refs/heads/agent/clean'));
    const notes = await inWorkspace('git push origin HEAD:refs/notes/commits');
    assertRefused(notes.stdout, /refs\/notes\/commits/);
    assert.equal(await upstreamRef(upstream, 'refs/notes/commits'), undefined);
  });

  it('pushing around the gate: a change under .github/workflows/ is refused', async () => {
    const out = await pushNew(
      'agent/ci',
      'mkdir -p .github/workflows && echo "on: push" > .github/workflows/x.yml && git add -A && git commit -qm ci',
    );
    assertRefused(out, /push\.ci_paths/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/ci'), undefined);
  });

  it('pushing a secret: a token in a commit message is found in the commit metadata', async () => {
    const out = await pushNew(
      'agent/msg',
      `git commit -q --allow-empty -m 'deploy with ${fakeGithubToken()}'`,
    );
    assertRefused(out, /gitleaks-allow/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/msg'), undefined);
    const id = /\bf-[0-9a-f]{16}\b/.exec(out)?.[0];
    const finding = JSON.parse(
      await readFile(tree.path(`home/state/${slug}/git-gate/findings/${id}.json`), 'utf8'),
    ) as { file: string };
    assert.equal(finding.file, '(commit metadata)');
  });

  it('pushing a secret: a token in an annotated tag’s message is refused (tags allowed here)', async () => {
    const out = await inWorkspace(
      `git checkout -q origin/main && git tag -a v9.9.9 -m 'release ${fakeGithubToken()}' && git push origin refs/tags/v9.9.9`,
    );
    assertRefused(out.stdout, /gitleaks-allow/);
    assert.equal(await upstreamRef(upstream, 'refs/tags/v9.9.9'), undefined);
  });

  it('pushing a secret: an inline gitleaks:allow comment does not hide it', async () => {
    const out = await pushNew(
      'agent/allow',
      `echo 'token = "${fakeGithubToken()}" # gitleaks:allow' > cfg.txt && git add cfg.txt && git commit -qm cfg`,
    );
    assertRefused(out, /gitleaks-allow/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/allow'), undefined);
  });

  // gitleaks honours a .gitleaksignore in the scanned tree; the gate scans from its own
  // scratch repository, so a committed one listing the finding's fingerprint changes nothing.
  it('pushing a secret: a committed .gitleaksignore naming the finding does not hide it', async () => {
    const out = await pushNew(
      'agent/ignore',
      `echo 'token = "${fakeGithubToken()}"' > s.txt && git add s.txt && git commit -qm s &&
       for rule in github-pat generic-api-key; do echo "$(git rev-parse HEAD):s.txt:$rule:1"; done > .gitleaksignore &&
       git add .gitleaksignore && git commit -qm ignore`,
    );
    assertRefused(out, /gitleaks-allow/);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/ignore'), undefined);
  });

  it('pushing around the gate: a remote the bottle does not declare is refused', async () => {
    const out = await inWorkspace('git push git://git-gate/other.git HEAD:refs/heads/agent/x');
    assert.match(out.stdout, /exit=[1-9]/, out.stdout);
    // Observed: git daemon serves only the declared remotes' mirrors.
    assert.match(out.stdout, /no such repository: \/other\.git/);
  });
});
