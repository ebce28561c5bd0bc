import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFileAtomic } from '../../../lib/atomic-write.js';
import { FindingRecordSchema } from '../../../images/git-gate/finding.js';
import { gateUrlFor, type GitPolicy } from '../../../images/git-gate/policy.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import {
  buildClientImage,
  buildGateImage,
  buildUpstreamImage,
  containerIp,
  docker,
  fakeGithubToken,
  GATE_UID,
  generateSshKey,
  makeGateDirs,
  sh,
  type SshKey,
  upstreamCommit,
  upstreamRef,
} from './fixture.js';

const prefix = `cbtest-gate-${randomBytes(3).toString('hex')}`;
const internalNet = `${prefix}-internal`;
const egressNet = `${prefix}-egress`;
const upstream = `${prefix}-upstream`;
const gate = `${prefix}-gate`;
const client = `${prefix}-client`;
const UPSTREAM_URL = 'ssh://git@upstream.git.test/srv/repo.git';
const REMOTE = 'up';

let key: SshKey;
let dirs: Awaited<ReturnType<typeof makeGateDirs>>;

/** Runs git in the agent's checkout (the client container, internal network only). */
function agent(script: string) {
  return sh(client, `cd /home/agent/work && ${script}`, 'agent');
}

async function gateLogs(): Promise<{ stdout: string; stderr: string }> {
  const result = await docker(['logs', gate]);
  return { stdout: result.stdout, stderr: result.stderr };
}

async function findingFiles(): Promise<string[]> {
  return (await readdir(join(dirs.state, 'findings'))).filter((name) => name.endsWith('.json'));
}

describe(
  'git-gate between an agent on an internal network and an ssh upstream',
  dockerSuite,
  () => {
    before(async () => {
      assertDockerAvailable();
      const [gateImage, upstreamImage, clientImage] = await Promise.all([
        buildGateImage(),
        buildUpstreamImage(),
        buildClientImage(),
        generateSshKey().then((generated) => (key = generated)),
      ]);
      dirs = await makeGateDirs();
      await docker(['network', 'create', '--internal', internalNet]);
      await docker(['network', 'create', egressNet]);
      const started = await docker(
        [
          'run',
          '-d',
          '--name',
          upstream,
          '--network',
          egressNet,
          '-e',
          'AUTHORIZED_KEY',
          upstreamImage,
        ],
        {
          env: { AUTHORIZED_KEY: key.publicKey },
        },
      );
      assert.equal(started.exitCode, 0, started.stderr);
      await upstreamCommit(upstream, 'README.md', 'before the gate started');

      // The upstream's name resolves only through the policy's extra_hosts: the gate honours it.
      const policy: GitPolicy = {
        v: 1,
        remotes: [
          {
            name: REMOTE,
            url: UPSTREAM_URL,
            credential: REMOTE,
            extra_hosts: { 'upstream.git.test': await containerIp(upstream, egressNet) },
            push: { force: false, delete: false, tags: false, ci_paths: false },
          },
        ],
      };
      await writeFile(join(dirs.liveConfig, 'git-policy.json'), JSON.stringify(policy, null, 2));
      await writeFile(join(dirs.liveConfig, 'gitleaks-allowlist'), '# approved fingerprints\n');
      // The key as the launcher hands it over: a file readable by the gate's uid alone.
      const secrets = join(dirs.root, 'secrets');
      await mkdir(secrets);
      await writeFile(join(secrets, REMOTE), key.privateKey, { mode: 0o400 });
      if (process.getuid?.() === 0) {
        const [uid, gid] = GATE_UID.split(':').map(Number) as [number, number];
        await chown(join(secrets, REMOTE), uid, gid);
      } else {
        await chmod(join(secrets, REMOTE), 0o444);
      }
      const gateRun = await docker([
        'run',
        '-d',
        '--name',
        gate,
        '--user',
        GATE_UID,
        '--network',
        egressNet,
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '-v',
        `${dirs.liveConfig}:/etc/claude-bottle/current-config:ro`,
        '-v',
        `${dirs.state}:/var/lib/git-gate`,
        '-v',
        `${secrets}:/run/claude-bottle/secrets:ro`,
        gateImage,
        'serve',
        '--secrets-dir',
        '/run/claude-bottle/secrets',
      ]);
      assert.equal(gateRun.exitCode, 0, gateRun.stderr);
      const connected = await docker([
        'network',
        'connect',
        '--alias',
        'git-gate',
        internalNet,
        gate,
      ]);
      assert.equal(connected.exitCode, 0, connected.stderr);

      const clientRun = await docker([
        'run',
        '-d',
        '--name',
        client,
        '--network',
        internalNet,
        '--user',
        'agent',
        clientImage,
        'sleep',
        'infinity',
      ]);
      assert.equal(clientRun.exitCode, 0, clientRun.stderr);
      const setup = await sh(
        client,
        `git config --global url.'${gateUrlFor(REMOTE)}'.insteadOf '${UPSTREAM_URL}'
       git config --global user.name agent && git config --global user.email agent@bottle.test
       for i in $(seq 1 60); do git ls-remote '${UPSTREAM_URL}' >/dev/null 2>&1 && exit 0; sleep 1; done
       git ls-remote '${UPSTREAM_URL}'`,
        'agent',
      );
      assert.equal(
        setup.exitCode,
        0,
        `the gate never answered: ${setup.stderr}\n${(await gateLogs()).stderr}`,
      );
    });

    after(async () => {
      await docker(['rm', '-f', client, gate, upstream]);
      await docker(['network', 'rm', internalNet, egressNet]);
      if (dirs) {
        // The gate wrote as another uid: let a container remove what it made.
        await docker([
          'run',
          '--rm',
          '-v',
          `${dirs.state}:/state`,
          'debian:trixie-slim',
          'find',
          '/state',
          '-mindepth',
          '1',
          '-delete',
        ]);
        await rm(dirs.root, { recursive: true, force: true });
      }
    });

    it('clone and fetch through the gate see upstream commits made after the gate started', async () => {
      const afterStart = await upstreamCommit(
        upstream,
        'after-start.txt',
        'made after the gate started',
      );
      const clone = await sh(
        client,
        `cd /home/agent && git clone -q '${UPSTREAM_URL}' work && git -C work rev-parse HEAD`,
        'agent',
      );
      assert.equal(clone.exitCode, 0, clone.stderr);
      assert.equal(clone.stdout.trim(), afterStart);

      const later = await upstreamCommit(upstream, 'later.txt', 'made after the clone');
      const fetch = await agent('git fetch -q origin && git rev-parse origin/main');
      assert.equal(fetch.exitCode, 0, fetch.stderr);
      assert.equal(fetch.stdout.trim(), later);
      const pinned = await readFile(join(dirs.state, 'known_hosts'), 'utf8');
      assert.match(
        pinned,
        /^upstream\.git\.test ssh-ed25519 /m,
        'the first host key seen is pinned',
      );
    });

    it('forwards a clean push upstream and relays the upstream answer', async () => {
      const push = await agent(
        `git checkout -q -b feature/clean origin/main && echo clean > clean.txt && git add clean.txt && git commit -qm clean
       git push origin feature/clean 2>&1; echo "exit=$?"; git rev-parse HEAD`,
      );
      assert.match(push.stdout, /exit=0/, push.stdout);
      assert.match(push.stdout, /remote: upstream: .*feature\/clean/);
      const head = push.stdout.trim().split('\n').at(-1);
      assert.equal(await upstreamRef(upstream, 'refs/heads/feature/clean'), head);
    });

    let secretFingerprint = '';
    let token = '';

    it('refuses a push carrying a GitHub-token-shaped string and records a finding without the secret', async () => {
      token = fakeGithubToken();
      const push = await agent(
        `git checkout -q -b feature/secret origin/main && mkdir -p vendor && printf 'token = %s\\n' '${token}' > vendor/settings.txt
       git add vendor && git commit -qm 'add settings' && git push origin feature/secret 2>&1; echo "exit=$?"`,
      );
      assert.match(push.stdout, /exit=[1-9]/);
      assert.match(push.stdout, /gitleaks-allow/);
      const ids = [...push.stdout.matchAll(/\bf-[0-9a-f]{16}\b/g)].map((m) => m[0]);
      assert.equal(ids.length, 1, push.stdout);
      assert.ok(!push.stdout.includes(token), 'the refusal does not repeat the secret');
      assert.equal(
        await upstreamRef(upstream, 'refs/heads/feature/secret'),
        undefined,
        'nothing landed upstream',
      );

      const file = join(dirs.state, 'findings', `${ids[0]}.json`);
      const text = await readFile(file, 'utf8');
      assert.ok(!text.includes(token), 'the finding does not hold the secret');
      const record = FindingRecordSchema.parse(JSON.parse(text));
      assert.equal(record.rule, 'github-pat');
      assert.equal(record.file, 'vendor/settings.txt');
      assert.match(record.fingerprint, /^[0-9a-f]{40}:vendor\/settings\.txt:github-pat:1$/);
      secretFingerprint = record.fingerprint;

      const logs = await gateLogs();
      assert.ok(
        !logs.stdout.includes(token) && !logs.stderr.includes(token),
        'the gate never logs the secret',
      );
    });

    it('lets the same push through once the operator allowlisted its fingerprint', async () => {
      assert.notEqual(secretFingerprint, '', 'the previous test recorded a finding');
      await writeFileAtomic(
        join(dirs.liveConfig, 'gitleaks-allowlist'),
        `# approved\n${secretFingerprint}\n`,
      );
      const push = await agent(
        'git push origin feature/secret 2>&1; echo "exit=$?"; git rev-parse HEAD',
      );
      assert.match(push.stdout, /exit=0/, push.stdout);
      assert.equal(
        await upstreamRef(upstream, 'refs/heads/feature/secret'),
        push.stdout.trim().split('\n').at(-1),
      );
    });

    it('refuses an added line carrying gitleaks:allow', async () => {
      const push = await agent(
        `git checkout -q -b feature/marker origin/main && printf 'value = 1 # gitleaks:allow\\n' > marker.txt
       git add marker.txt && git commit -qm marker && git push origin feature/marker 2>&1; echo "exit=$?"`,
      );
      assert.match(push.stdout, /exit=[1-9]/);
      assert.match(push.stdout, /gitleaks-allow-comment\s+marker\.txt:1/);
      assert.equal(await upstreamRef(upstream, 'refs/heads/feature/marker'), undefined);
    });

    it('refuses a secret in a commit message, then lets it through once allowlisted', async () => {
      const inMessage = fakeGithubToken();
      const push = await agent(
        `git checkout -q -b feature/message origin/main && git commit -q --allow-empty -m 'subject' -m 'key ${inMessage}'
       git push origin feature/message 2>&1; echo "exit=$?"`,
      );
      assert.match(push.stdout, /exit=[1-9]/);
      assert.ok(!push.stdout.includes(inMessage), 'the refusal does not repeat the secret');
      const ids = [...push.stdout.matchAll(/\bf-[0-9a-f]{16}\b/g)].map((m) => m[0]);
      assert.equal(ids.length, 1, push.stdout);
      const text = await readFile(join(dirs.state, 'findings', `${ids[0]}.json`), 'utf8');
      assert.ok(!text.includes(inMessage), 'the finding does not hold the secret');
      const record = FindingRecordSchema.parse(JSON.parse(text));
      assert.equal(record.file, '(commit metadata)');
      assert.equal(await upstreamRef(upstream, 'refs/heads/feature/message'), undefined);

      await writeFileAtomic(
        join(dirs.liveConfig, 'gitleaks-allowlist'),
        `# approved\n${secretFingerprint}\n${record.fingerprint}\n`,
      );
      const again = await agent('git push origin feature/message 2>&1; echo "exit=$?"');
      assert.match(again.stdout, /exit=0/, again.stdout);
      const logs = await gateLogs();
      assert.ok(!logs.stdout.includes(inMessage) && !logs.stderr.includes(inMessage));
    });

    it('refuses a push to the default branch, a force-push, a deletion, a tag and CI config, naming the rule', async () => {
      const before = await upstreamRef(upstream, 'refs/heads/feature/clean');
      const cases: Array<[string, string, RegExp]> = [
        [
          'default branch',
          'git checkout -q main && git merge -q --ff-only origin/main && echo x >> README.md && git commit -qam main && git push origin main',
          /rule push\.branches: "main" is the upstream's default branch/,
        ],
        [
          'force-push',
          'git checkout -q feature/clean && git commit -q --amend -m rewritten && git push --force origin feature/clean',
          /rule push\.force/,
        ],
        ['deletion', 'git push origin --delete feature/clean', /rule push\.delete/],
        ['tag', 'git tag v1 origin/main && git push origin v1', /rule push\.tags/],
        [
          'CI config',
          'git checkout -q -b feature/ci origin/main && mkdir -p .github/workflows && echo "on: push" > .github/workflows/x.yml && git add .github && git commit -qm ci && git push origin feature/ci',
          /rule push\.ci_paths: .*\.github\/workflows\/x\.yml/,
        ],
      ];
      for (const [name, script, rule] of cases) {
        const result = await agent(`${script} 2>&1; echo "exit=$?"`);
        assert.match(result.stdout, /exit=[1-9]/, `${name}: ${result.stdout}`);
        assert.match(result.stdout, rule, `${name}: ${result.stdout}`);
      }
      assert.equal(
        await upstreamRef(upstream, 'refs/heads/feature/clean'),
        before,
        'the upstream branch is untouched',
      );
      assert.equal(await upstreamRef(upstream, 'refs/tags/v1'), undefined);
      assert.equal(await upstreamRef(upstream, 'refs/heads/feature/ci'), undefined);
    });

    it('logs one JSON line per operation, naming remote, op, refs, result and ms', async () => {
      const lines = (await gateLogs()).stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const ops = lines.filter((line) => line.event === 'op');
      assert.ok(ops.length >= 8, `expected an op line per request, got ${ops.length}`);
      for (const op of ops) {
        assert.equal(op.remote, REMOTE);
        assert.ok(['fetch', 'sync', 'push'].includes(op.op as string));
        assert.ok(Array.isArray(op.refs));
        assert.equal(typeof op.ms, 'number');
      }
      assert.ok(
        ops.some((op) => op.op === 'push' && op.result === 'refused' && Array.isArray(op.findings)),
      );
      assert.ok(ops.some((op) => op.op === 'push' && op.result === 'ok'));
      assert.ok(ops.some((op) => op.op === 'fetch' && op.result === 'ok'));
    });

    it('gives the agent no key and no route to the upstream', async () => {
      const env = await sh(client, 'env', 'agent');
      assert.ok(!env.stdout.includes('PRIVATE KEY') && !env.stdout.includes('GATE_SSH_KEY'));
      const keyLine = key.privateKey.split('\n')[1] ?? 'unreachable';
      // The gate holds it as a file, so the engine's description of the gate has none of it.
      const inspected = await docker(['inspect', gate]);
      assert.equal(inspected.exitCode, 0, inspected.stderr);
      assert.ok(!inspected.stdout.includes(keyLine), 'docker inspect of the gate shows no key');
      const search = await docker([
        'exec',
        client,
        'grep',
        '-rIl',
        '-e',
        'PRIVATE KEY',
        '-e',
        keyLine,
        '/home',
        '/root',
        '/tmp',
        '/etc',
        '/var',
        '/opt',
      ]);
      assert.equal(
        search.stdout.trim(),
        '',
        `key material found in the agent container: ${search.stdout}`,
      );
      const ip = await containerIp(upstream, egressNet);
      const direct = await sh(
        client,
        `timeout 5 bash -c 'exec 3<>/dev/tcp/${ip}/22 && head -c 20 <&3'; echo "exit=$?"`,
        'agent',
      );
      assert.match(direct.stdout, /exit=[1-9]/);
      assert.doesNotMatch(direct.stdout, /SSH-/);
    });

    it('fails a fetch, and serves nothing, while the upstream is unreachable', async () => {
      const stopped = await docker(['stop', '-t', '1', upstream]);
      assert.equal(stopped.exitCode, 0, stopped.stderr);
      const fetch = await agent('git fetch origin 2>&1; echo "exit=$?"');
      assert.match(fetch.stdout, /exit=[1-9]/);
      assert.match(fetch.stdout, /cannot reach the upstream of remote "up"/);
      const clone = await sh(
        client,
        `cd /tmp && git clone '${UPSTREAM_URL}' again 2>&1; echo "exit=$?"`,
        'agent',
      );
      assert.match(clone.stdout, /exit=[1-9]/);
      assert.ok((await findingFiles()).length >= 1);
    });
  },
);
