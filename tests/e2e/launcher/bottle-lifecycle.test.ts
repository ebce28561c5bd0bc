import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { listedBottle, runCliCaptured } from '../../helpers/cli.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import { makeServerCert } from '../../helpers/test-tls.js';
import { startUpstreamContainer } from '../../helpers/upstream-container.js';
import { removeSecretFolders } from '../../helpers/bottle-secrets.js';

// One real bottle (scripted agent, provider none) on the real engine, driven through the CLI,
// with a local HTTPS upstream named api.example.test on the bottle's egress network.
const TOKEN = `cbe2e-${randomBytes(16).toString('hex')}`;
const BOTTLE = `---
agent_provider: none
secrets:
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.example.test
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;

let tree: TempTree;
let env: NodeJS.ProcessEnv;
let slug = '';
let composeFile = '';
let upstream = '';
let hostListener: Server | undefined;

const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.path('repo') });
/** Runs a command in the agent container as the agent's uid (as the agent process runs). */
const asAgent = (script: string) =>
  execa(
    'docker',
    ['compose', '-f', composeFile, 'exec', '-T', '-u', '1000:1000', 'agent', 'bash', '-c', script],
    { reject: false, timeout: 60_000 },
  );
const asRoot = (script: string) =>
  execa('docker', ['compose', '-f', composeFile, 'exec', '-T', 'agent', 'bash', '-c', script], {
    reject: false,
    timeout: 60_000,
  });

async function projectContainers(project: string): Promise<string[]> {
  const ps = await execa('docker', [
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ]);
  return ps.stdout.split('\n').filter(Boolean);
}

describe('a bottle started by the launcher', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    tree = await tempTree({
      'home/bottles/e2e.md': BOTTLE,
      'home/agents/scripted.md': '---\nbottle: e2e\n---\nA scripted agent.\n',
      'repo/README.md': 'committed\n',
    });
    makeServerCert(tree.path('home/bottles'), 'api.example.test');
    await execa('git', ['init', '-q', '-b', 'main'], { cwd: tree.path('repo') });
    await execa('git', ['add', 'README.md'], { cwd: tree.path('repo') });
    await execa(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@x.test', 'commit', '-qm', 'init'],
      { cwd: tree.path('repo') },
    );
    await tree.write('repo/.env', 'NOT_FOR_THE_AGENT=1\n');
    env = { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home'), CB_E2E_UPSTREAM_TOKEN: TOKEN };

    const started = await cli(
      'start',
      'scripted',
      '--detach',
      '--repo',
      '.',
      '--branch',
      'agent/e2e',
    );
    assert.equal(started.code, 0, started.stderr);
    slug = started.stdout.trim();
    composeFile = tree.path(`home/state/${slug}/docker-compose.yml`);
    const metadata = JSON.parse(
      await readFile(tree.path(`home/state/${slug}/metadata.json`), 'utf8'),
    ) as { images: { base: string } };

    upstream = await startUpstreamContainer({
      slug,
      certDir: tree.path('home/bottles'),
      image: metadata.images.base,
    });
  });

  after(async () => {
    hostListener?.close();
    if (upstream) await execa('docker', ['rm', '-f', upstream], { reject: false });
    if (slug) {
      await execa('docker', ['compose', '-f', composeFile, 'down', '-v', '--timeout', '2'], {
        reject: false,
        env,
      });
    }
    if (tree) await removeSecretFolders(tree.path('home'));
    await tree?.remove();
  });

  it('runs the agent, the proxy and supervise, and records it', async () => {
    const list = await cli('list', '--json');
    const row = listedBottle(list.stdout, slug);
    assert.equal(row?.status, 'running');
    assert.deepEqual(row?.containers, {
      agent: 'running',
      'egress-proxy': 'running',
      supervise: 'running',
    });
  });

  it('passes an allowed request through the proxy with the injected credential, not the agent’s', async () => {
    const result = await asAgent(
      'curl -sS -H "Authorization: Bearer agent-made-this-up" https://api.example.test/hello',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^\{/, `not the upstream's answer: ${result.stdout.slice(0, 400)}`);
    const echoed = JSON.parse(result.stdout) as {
      path: string;
      authorization_sha256: string | null;
    };
    assert.equal(echoed.path, '/hello');
    const expected = createHash('sha256').update(`Bearer ${TOKEN}`).digest('hex');
    assert.ok(
      echoed.authorization_sha256 === expected,
      `the upstream did not receive the injected credential (it got ${echoed.authorization_sha256 === null ? 'none' : 'another value'})`,
    );
  });

  it('logs shows the proxy decision for that request, without the secret', async () => {
    const logs = await cli('logs', slug, 'egress-proxy');
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /"host":"api\.example\.test".*"decision":"allow"/);
    assert.ok(
      !logs.stdout.includes(TOKEN) && !logs.stderr.includes(TOKEN),
      'the secret is in the logs',
    );
    const wrong = await cli('logs', slug, 'git-gate');
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /has no git-gate service/);
  });

  it('refuses an unlisted host with an explanation the agent can act on', async () => {
    const result = await asAgent(
      'curl -sS -o /dev/stdout -w "\\n%{http_code}" https://other.example.test/',
    );
    assert.match(result.stdout, /egress-proxy-block/);
    assert.match(result.stdout, /\n403$/);
  });

  it('cannot open a TCP connection past the proxy: not to the upstream, not to the host', async () => {
    hostListener = createServer((socket) => socket.end('host\n'));
    await new Promise<void>((resolve) => hostListener!.listen(0, '0.0.0.0', resolve));
    const port = (hostListener.address() as { port: number }).port;
    const ip = (network: string) =>
      execa('docker', [
        'network',
        'inspect',
        network,
        '--format',
        '{{(index .IPAM.Config 0).Gateway}}',
      ]).then((r) => r.stdout.trim());
    const upstreamIp = (
      await execa('docker', [
        'inspect',
        upstream,
        '--format',
        `{{(index .NetworkSettings.Networks "cb-${slug}-egress").IPAddress}}`,
      ])
    ).stdout.trim();
    const targets = [`${upstreamIp}/443`, `${await ip(`cb-${slug}-egress`)}/${port}`];
    const internalGateway = await ip(`cb-${slug}-internal`);
    if (internalGateway) targets.push(`${internalGateway}/${port}`);
    for (const target of targets) {
      const result = await asAgent(
        `timeout 5 bash -c 'exec 3<>/dev/tcp/${target} && echo CONNECTED'`,
      );
      assert.notEqual(result.exitCode, 0, `the agent connected to ${target}`);
      assert.doesNotMatch(result.stdout, /CONNECTED/);
    }
  });

  it('reads but cannot write the live configuration', async () => {
    const read = await asAgent('cat /etc/claude-bottle/current-config/routes.yaml');
    assert.match(read.stdout, /api\.example\.test/);
    for (const run of [asAgent, asRoot]) {
      const write = await run('echo x >> /etc/claude-bottle/current-config/routes.yaml');
      assert.notEqual(write.exitCode, 0);
      assert.match(write.stderr, /Read-only file system|Permission denied/);
    }
    const root = await asRoot('touch /etc/claude-bottle/current-config/new-file');
    assert.match(root.stderr, /Read-only file system/);
  });

  it('holds no CA key and no secret, in its environment or its files', async () => {
    const keys = await asRoot(
      'find / -xdev \\( -name ca.key -o -name "*.key" \\) -print 2>/dev/null',
    );
    assert.equal(keys.stdout.trim(), '');
    const scan = await asRoot(
      `cat /proc/1/environ | tr '\\0' '\\n'; env; grep -rl "${TOKEN}" /etc /home /workspace /run /tmp /opt /root 2>/dev/null; echo scanned`,
    );
    assert.match(scan.stdout, /scanned/);
    assert.ok(!scan.stdout.includes(TOKEN), 'the secret is visible inside the agent container');
  });

  it('lists the supervise tools from inside the agent', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const result = await asAgent(
      `curl -sS -X POST http://supervise:8080/mcp -H "Authorization: Bearer $CLAUDE_BOTTLE_MCP_TOKEN" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '${body}'`,
    );
    for (const tool of [
      'egress-proxy-block',
      'capability-block',
      'gitleaks-allow',
      'await-proposal',
    ]) {
      assert.ok(
        result.stdout.includes(`"${tool}"`),
        `${tool} missing from: ${result.stdout.slice(0, 300)}`,
      );
    }
  });

  it('seeds the workspace from committed history only, on the requested branch', async () => {
    const result = await asAgent(
      'cd /workspace && cat README.md && git branch --show-current && ls -a',
    );
    assert.match(result.stdout, /^committed\nagent\/e2e\n/);
    assert.doesNotMatch(result.stdout, /\.env/);
  });

  it('stop removes containers and networks and keeps the state; resume brings the workspace back', async () => {
    const marker = await asAgent('echo kept > /workspace/marker.txt');
    assert.equal(marker.exitCode, 0, marker.stderr);
    await execa('docker', ['rm', '-f', upstream]);
    const stopped = await cli('stop', slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(await projectContainers(`cb-${slug}`), []);
    const networks = await execa('docker', ['network', 'ls', '-q', '--filter', `name=cb-${slug}`]);
    assert.equal(networks.stdout.trim(), '');
    const metadata = JSON.parse(
      await readFile(tree.path(`home/state/${slug}/metadata.json`), 'utf8'),
    ) as { status: string };
    assert.equal(metadata.status, 'stopped');

    const resumed = await cli('resume', slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = await asAgent('cat /workspace/marker.txt');
    assert.equal(after.stdout.trim(), 'kept');
  });
});
