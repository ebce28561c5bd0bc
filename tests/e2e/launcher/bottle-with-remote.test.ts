import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { FindingRecordSchema } from '../../../images/git-gate/finding.js';
import { callToolInAgent, installAgentMcpClient } from '../../helpers/agent-mcp.js';
import { listedBottle, runCliCaptured } from '../../helpers/cli.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import {
  buildUpstreamImage,
  docker,
  fakeGithubToken,
  generateSshKey,
  type SshKey,
  upstreamCommit,
  upstreamRef,
} from '../git-gate/fixture.js';
import { removeSecretFolders } from '../../helpers/bottle-secrets.js';

// A bottle with one git remote, started by the launcher on the real engine: the launcher runs
// git-gate, the agent's entrypoint clones through it, pushes go through its hooks. The upstream
// is an sshd container started before the bottle (whose egress network compose creates at
// start), with its port published on the host; the remote's extra_hosts points the gate at the
// default bridge's gateway, a host address every bridge network reaches.
const upstream = `cbtest-remote-${randomBytes(3).toString('hex')}-upstream`;
const UPSTREAM_HOST = 'upstream.test';

let tree: TempTree;
let env: NodeJS.ProcessEnv;
let key: SshKey;
let slug = '';
let composeFile = '';
let remoteUrl = '';
let upstreamHead = '';

const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.root });

async function secretsDir(): Promise<string> {
  const metadata = JSON.parse(
    await readFile(tree.path(`home/state/${slug}/metadata.json`), 'utf8'),
  ) as { secrets_dir: string };
  return metadata.secrets_dir;
}
const asAgent = (script: string) =>
  execa(
    'docker',
    ['compose', '-f', composeFile, 'exec', '-T', '-u', '1000:1000', 'agent', 'bash', '-c', script],
    { reject: false, timeout: 120_000 },
  );
const asRoot = (script: string) =>
  execa('docker', ['compose', '-f', composeFile, 'exec', '-T', 'agent', 'bash', '-c', script], {
    reject: false,
    timeout: 120_000,
  });
const inWorkspace = (script: string) => asAgent(`cd /workspace && ${script}`);

/** The default bridge's gateway: a host address reachable from any bridge network. */
async function bridgeGateway(): Promise<string> {
  const inspect = await docker([
    'network',
    'inspect',
    'bridge',
    '--format',
    '{{range .IPAM.Config}}{{.Gateway}} {{.Subnet}}{{"\\n"}}{{end}}',
  ]);
  assert.equal(inspect.exitCode, 0, inspect.stderr);
  for (const line of inspect.stdout.split('\n')) {
    const [gateway, subnet] = line.trim().split(/\s+/);
    if (gateway && /^\d+\.\d+\.\d+\.\d+$/.test(gateway)) return gateway;
    // Older engines list no Gateway: the bridge takes the subnet's first address.
    const base = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet ?? gateway ?? '');
    if (base) return `${base[1]}.${base[2]}.${base[3]}.${Number(base[4]) + 1}`;
  }
  throw new Error(`no IPv4 gateway for the default bridge: ${inspect.stdout}`);
}

async function projectContainers(project: string): Promise<string[]> {
  const ps = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
  return ps.stdout.split('\n').filter(Boolean);
}

/** Lines of the private key's body that no other key shares (the first is a common header). */
function keyBodyLines(privateKey: string): string[] {
  const body = privateKey
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('-----'));
  return body.slice(1).filter((line) => line.length >= 16);
}

describe('a bottle with a git remote, started by the launcher', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    const [upstreamImage] = await Promise.all([
      buildUpstreamImage(),
      generateSshKey().then((generated) => (key = generated)),
    ]);
    const run = await docker(
      ['run', '-d', '--name', upstream, '-p', '0.0.0.0::22', '-e', 'AUTHORIZED_KEY', upstreamImage],
      { env: { AUTHORIZED_KEY: key.publicKey } },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    const port = await docker(['port', upstream, '22/tcp']);
    const hostPort = /:(\d+)\s*$/m.exec(port.stdout)?.[1];
    assert.ok(hostPort, `the upstream's ssh port is not published: ${port.stdout}${port.stderr}`);
    remoteUrl = `ssh://git@${UPSTREAM_HOST}:${hostPort}/srv/repo.git`;

    upstreamHead = await upstreamCommit(upstream, 'README.md', 'from upstream');

    const gateway = await bridgeGateway();
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
      url: ${remoteUrl}
      identity: deploy
      extra_hosts: { ${UPSTREAM_HOST}: ${gateway} }
---
`,
    );
    await tree.write('home/agents/scripted.md', '---\nbottle: remote\n---\nA scripted agent.\n');
    env = { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') };

    const started = await cli('start', 'scripted', '--detach', '--branch', 'agent/work');
    const startedSlug = started.stdout.trim();
    if (startedSlug) {
      slug = startedSlug;
      composeFile = tree.path(`home/state/${slug}/docker-compose.yml`);
    }
    assert.equal(started.code, 0, started.stderr);
  });

  after(async () => {
    await docker(['rm', '-f', upstream]);
    if (tree) {
      // Whatever start created, even when it failed before printing the slug.
      const states = await readdir(tree.path('home/state')).catch(() => [] as string[]);
      for (const state of states) {
        const file = tree.path(`home/state/${state}/docker-compose.yml`);
        await execa('docker', ['compose', '-f', file, 'down', '-v', '--timeout', '2'], {
          reject: false,
          env,
        });
        await docker(['volume', 'rm', '-f', `cb-${state}-workspace`]);
      }
      await removeSecretFolders(tree.path('home'));
      await tree.remove();
    }
  });

  it('runs git-gate beside the agent, the proxy and supervise', async () => {
    const list = await cli('list', '--json');
    const row = listedBottle(list.stdout, slug);
    assert.equal(row?.status, 'running');
    assert.deepEqual(row?.containers, {
      agent: 'running',
      'egress-proxy': 'running',
      'git-gate': 'running',
      supervise: 'running',
    });
  });

  it('clones the remote through the gate into the workspace, on the requested branch', async () => {
    const result = await inWorkspace(
      'git rev-parse HEAD && git branch --show-current && cat README.md && git config remote.origin.url && git config --get-regexp "^url\\."',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    const [head, branch, readme, origin, insteadOf] = result.stdout.trim().split('\n');
    assert.equal(head, upstreamHead);
    assert.equal(branch, 'agent/work');
    assert.equal(readme, 'from upstream');
    // The checkout records the real URL; the agent’s git config sends it to the gate.
    assert.equal(origin, remoteUrl);
    assert.equal(insteadOf, `url.git://git-gate/origin.git.insteadof ${remoteUrl}`);
  });

  it('fetches through the gate an upstream commit made after the bottle started', async () => {
    const later = await upstreamCommit(upstream, 'later.txt', 'made after start');
    const fetch = await inWorkspace('git fetch -q origin && git rev-parse origin/main');
    assert.equal(fetch.exitCode, 0, fetch.stderr);
    assert.equal(fetch.stdout.trim(), later);
  });

  it('forwards a clean push upstream', async () => {
    const push = await inWorkspace(
      `echo clean > clean.txt && git add clean.txt && git commit -qm clean
       git push origin agent/work 2>&1; echo "exit=$?"; git rev-parse HEAD`,
    );
    assert.match(push.stdout, /exit=0/, push.stdout);
    assert.match(push.stdout, /remote: upstream: .*agent\/work/, push.stdout);
    const head = push.stdout.trim().split('\n').at(-1);
    assert.equal(await upstreamRef(upstream, 'refs/heads/agent/work'), head);
  });

  it('refuses a push carrying a GitHub-token-shaped string, naming gitleaks-allow, with a finding', async () => {
    const token = fakeGithubToken();
    const push = await inWorkspace(
      `git checkout -q -b agent/secret && printf 'token = %s\\n' '${token}' > settings.txt
       git add settings.txt && git commit -qm 'add settings' && git push origin agent/secret 2>&1; echo "exit=$?"`,
    );
    assert.match(push.stdout, /exit=[1-9]/, push.stdout);
    assert.match(push.stdout, /gitleaks-allow/);
    assert.ok(!push.stdout.includes(token), 'the refusal does not repeat the secret');
    const ids = [...push.stdout.matchAll(/\bf-[0-9a-f]{16}\b/g)].map((m) => m[0]);
    assert.equal(new Set(ids).size, 1, push.stdout);
    assert.equal(
      await upstreamRef(upstream, 'refs/heads/agent/secret'),
      undefined,
      'nothing landed',
    );

    const findings = tree.path(`home/state/${slug}/git-gate/findings`);
    const text = await readFile(`${findings}/${ids[0]}.json`, 'utf8');
    assert.ok(!text.includes(token), 'the finding holds no secret');
    const finding = FindingRecordSchema.parse(JSON.parse(text));
    assert.equal(finding.file, 'settings.txt');
    assert.ok(finding.fingerprint.includes('settings.txt'), finding.fingerprint);
  });

  it('lands the refused push once the agent asks gitleaks-allow over MCP and the operator approves', async () => {
    await installAgentMcpClient(composeFile);
    const findings = tree.path(`home/state/${slug}/git-gate/findings`);
    const [file] = (await readdir(findings)).filter((name) => name.endsWith('.json'));
    const id = file!.replace(/\.json$/, '');
    const call = callToolInAgent(composeFile, 'gitleaks-allow', {
      finding_ids: [id],
      justification: 'settings.txt holds a test fixture token, not a real one',
    });
    let proposal = '';
    for (let i = 0; i < 300 && !proposal; i++) {
      const listed = await cli('proposals', '--json', '--bottle', slug);
      const found = (
        JSON.parse(listed.stdout) as { proposals: { id: string; tool: string }[] }
      ).proposals.find((p) => p.tool === 'gitleaks-allow');
      if (found) proposal = found.id;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const noReason = await cli('approve', proposal);
    assert.equal(noReason.code, 64, 'report-only tools need a reason');
    const approved = await cli('approve', proposal, '--reason', 'a fixture token');
    assert.equal(approved.code, 0, approved.stderr);
    const answer = await call;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, true);
    const allowlist = await readFile(
      tree.path(`home/state/${slug}/live-config/gitleaks-allowlist`),
      'utf8',
    );
    assert.match(allowlist, /settings\.txt/);
    const push = await inWorkspace('git push origin agent/secret 2>&1; echo "exit=$?"');
    assert.match(push.stdout, /exit=0/, push.stdout);
    assert.ok(await upstreamRef(upstream, 'refs/heads/agent/secret'), 'the push landed');
  });

  it('holds no SSH key: not in the agent’s files, environment or container config', async () => {
    const lines = keyBodyLines(key.privateKey);
    assert.ok(lines.length > 0);
    const patterns = lines.map((line) => `-e '${line}'`).join(' ');
    const scan = await asRoot(
      `grep -rlF ${patterns} --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev / 2>/dev/null
       cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'; env
       find / -xdev \\( -name 'id_*' -o -name '*.pem.key' \\) -not -name '*.pub' -print 2>/dev/null
       echo scanned`,
    );
    assert.match(scan.stdout, /scanned\n?$/);
    for (const line of lines) {
      assert.ok(
        !scan.stdout.includes(line),
        'the deploy key is visible inside the agent container',
      );
    }
    assert.doesNotMatch(scan.stdout, /OPENSSH PRIVATE KEY|\/id_[a-z0-9]+\n/);
    const ids = (await docker(['compose', '-f', composeFile, 'ps', '-q', 'agent'])).stdout.trim();
    const inspect = await docker(['inspect', ids]);
    assert.equal(inspect.exitCode, 0, inspect.stderr);
    for (const line of lines) assert.ok(!inspect.stdout.includes(line));
    // The gate, and only the gate, holds it: as a file only its uid reads, not in its config.
    const gate = (
      await docker(['compose', '-f', composeFile, 'ps', '-q', 'git-gate'])
    ).stdout.trim();
    const gateInspect = await docker(['inspect', gate]);
    assert.equal(gateInspect.exitCode, 0, gateInspect.stderr);
    for (const line of lines)
      assert.ok(!gateInspect.stdout.includes(line), 'docker inspect of the gate');
    const held = await docker([
      'exec',
      gate,
      'sh',
      '-c',
      'stat -c "%a %u:%g" /run/claude-bottle/secrets/origin; id -u; cat /run/claude-bottle/secrets/origin',
    ]);
    assert.equal(held.exitCode, 0, held.stderr);
    const [mode, uid] = held.stdout.split('\n');
    assert.match(
      mode ?? '',
      new RegExp(`^400 ${uid}:\\d+$`),
      'the key file is the gate uid’s alone',
    );
    assert.ok(held.stdout.includes(lines[0]!), 'the gate holds the key');
  });

  it('stop removes the containers and networks and keeps the state and the workspace', async () => {
    const stopped = await cli('stop', slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(await projectContainers(`cb-${slug}`), []);
    const networks = await docker(['network', 'ls', '-q', '--filter', `name=cb-${slug}`]);
    assert.equal(networks.stdout.trim(), '');
    const metadata = JSON.parse(
      await readFile(tree.path(`home/state/${slug}/metadata.json`), 'utf8'),
    ) as { status: string };
    assert.equal(metadata.status, 'stopped');
    const volume = await docker(['volume', 'inspect', `cb-${slug}-workspace`]);
    assert.equal(volume.exitCode, 0, 'the workspace volume is kept for resume');
    const findings = await readdir(tree.path(`home/state/${slug}/git-gate/findings`));
    assert.ok(findings.some((name) => name.endsWith('.json')));
    // The key file went with the gate; resume writes it again from the manifest's source.
    await assert.rejects(stat(await secretsDir()), { code: 'ENOENT' });
  });

  it('resume brings the gate back with its credential and the workspace intact', async () => {
    const resumed = await cli('resume', slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok((await stat(`${await secretsDir()}/git-gate/origin`)).isFile());
    const later = await upstreamCommit(upstream, 'after-resume.txt', 'made while stopped');
    const result = await inWorkspace(
      'git branch --show-current && cat clean.txt && git fetch -q origin && git rev-parse origin/main',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['agent/secret', 'clean', later]);
  });
});
