import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { createDocker } from '../../../launcher/docker.js';
import { ensureImage } from '../../../launcher/images/ensure.js';
import { baseRecipe } from '../../../launcher/images/recipes.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import { makeServerCert } from '../../helpers/test-tls.js';

// The real Claude Code CLI in a real bottle, driven by the scripted model (the one stand-in):
// its curl is refused by the proxy → it calls egress-proxy-block over MCP → the operator
// approves headless → the retry succeeds → it ends. The model checks every request carries the
// key the proxy injected, never the agent's placeholder.
const CLI_VERSION = '2.1.332';
const FETCH_CLI = fileURLToPath(
  new URL('../../fixtures/scripted-model/fetch-cli.sh', import.meta.url),
);
const MODEL_BUNDLER = fileURLToPath(
  new URL('../../fixtures/scripted-model/bundle.mjs', import.meta.url),
);
const UPSTREAM_SCRIPT = fileURLToPath(
  new URL('../../fixtures/upstream-server.mjs', import.meta.url),
);
const KEY = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
const UPSTREAM_TOKEN = `cbe2e-${randomBytes(16).toString('hex')}`;
const BOTTLE = `---
agent_provider: { name: claude, base_url: "https://api.anthropic.test", version: "${CLI_VERSION}" }
secrets:
  anthropic: env:CB_E2E_ANTHROPIC_KEY
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.anthropic.test
      paths: [/v1/]
      methods: [POST]
      auth: { header: x-api-key, secret: anthropic }
      private: true
    - host: api.example.test
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;

let tree: TempTree;
let env: NodeJS.ProcessEnv;
let slug = '';
let composeFile = '';
const helpers: string[] = [];
let events: ChildProcess | undefined;
const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.root });
const project = () => `cb-${slug}`;
const transcriptFile = () => tree.path('model/transcript.jsonl');

interface ModelRequest {
  step: string | null;
  kind: string;
  turn?: { assistantTurns: number };
  credential: { ok: boolean; placeholder: boolean; header: string | null };
}

async function transcript(): Promise<ModelRequest[]> {
  const text = await readFile(transcriptFile(), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ModelRequest);
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 240_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the real Claude Code CLI in a bottle, driven by the scripted model', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    const fetched = await execa('bash', [FETCH_CLI, CLI_VERSION]);
    const cliDir = join(fetched.stdout.trim(), '..', '..');
    const tarball = (await readdir(cliDir)).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, `no packed CLI in ${cliDir}`);
    tree = await tempTree({
      'home/bottles/claude.md': BOTTLE,
      'home/agents/coder.md': '---\nbottle: claude\n---\nYou are a scripted test agent.\n',
    });
    makeServerCert(tree.path('home/bottles'), ['api.anthropic.test', 'api.example.test']);
    await mkdir(tree.path('model'), { recursive: true });
    await execa(process.execPath, [MODEL_BUNDLER, tree.path('model/scripted-model.mjs')]);
    env = {
      ...process.env,
      CLAUDE_BOTTLE_HOME: tree.path('home'),
      CLAUDE_BOTTLE_PROVIDER_PACKAGE: join(cliDir, tarball),
      CLAUDE_BOTTLE_OPERATOR: 'e2e-operator',
      CB_E2E_ANTHROPIC_KEY: KEY,
      CB_E2E_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
    };
    // The helpers run on the bottle's own base image (Debian's nodejs), built here if missing.
    const base = await ensureImage(createDocker(env), baseRecipe(), () => {});
    const certs = tree.path('home/bottles');
    const mounts = [
      '-v',
      `${certs}/server.crt:/srv/server.crt:ro`,
      '-v',
      `${certs}/server.key:/srv/server.key:ro`,
    ];
    const tag = randomBytes(3).toString('hex');
    const model = `cbtest-model-${tag}`;
    const upstream = `cbtest-upstream-${tag}`;
    await execa('docker', [
      'run',
      '-d',
      '--name',
      model,
      ...mounts,
      '-v',
      `${tree.path('model')}:/srv/model`,
      base,
      'node',
      '/srv/model/scripted-model.mjs',
      '--script',
      'builtin:egress-episode',
      '--tls-cert',
      '/srv/server.crt',
      '--tls-key',
      '/srv/server.key',
      '--expect-credential-sha256',
      createHash('sha256').update(KEY).digest('hex'),
      '--transcript',
      '/srv/model/transcript.jsonl',
    ]);
    await execa('docker', [
      'run',
      '-d',
      '--name',
      upstream,
      ...mounts,
      '-v',
      `${UPSTREAM_SCRIPT}:/srv/upstream-server.mjs:ro`,
      base,
      'node',
      '/srv/upstream-server.mjs',
    ]);
    helpers.push(model, upstream);
    // Both join the bottle's egress network the moment compose creates it, before the CLI's first call.
    events = spawn('docker', [
      'events',
      '--filter',
      'type=network',
      '--filter',
      'event=create',
      '--format',
      '{{.Actor.Attributes.name}}',
    ]);
    events.stdout?.on('data', (chunk: Buffer) => {
      for (const name of chunk.toString().split('\n')) {
        if (!/^cb-coder-[0-9a-f]+-egress$/.test(name)) continue;
        void execa('docker', ['network', 'connect', '--alias', 'api.anthropic.test', name, model], {
          reject: false,
        });
        void execa(
          'docker',
          ['network', 'connect', '--alias', 'api.example.test', name, upstream],
          { reject: false },
        );
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const started = await cli(
      'start',
      'coder',
      '--detach',
      '--prompt',
      'Fetch https://api.example.test/other and report its status.',
    );
    assert.equal(started.code, 0, started.stderr);
    slug = started.stdout.trim();
    composeFile = tree.path(`home/state/${slug}/docker-compose.yml`);
  });

  after(async () => {
    events?.kill();
    for (const name of helpers) await execa('docker', ['rm', '-f', name], { reject: false });
    if (composeFile)
      await execa('docker', ['compose', '-f', composeFile, 'down', '-v', '--timeout', '2'], {
        reject: false,
        env,
      });
    await tree?.remove();
  });

  it('runs the episode unattended across a stop/resume: refused → egress-proxy-block over MCP → (stop, resume: the session continues) → approved → retry → done', async () => {
    const id = await until('the agent’s egress-proxy-block proposal', async () => {
      const listed = await cli('proposals', '--json', '--bottle', slug);
      const found = (
        JSON.parse(listed.stdout) as { proposals: { id: string; tool: string }[] }
      ).proposals.find((p) => p.tool === 'egress-proxy-block');
      return found?.id;
    });
    // Stopped mid-call: the CLI is blocked in egress-proxy-block. The helpers leave the network
    // so compose can remove it; they join the new one as resume creates it.
    const beforeStop = (await transcript()).length;
    for (const name of helpers)
      await execa('docker', ['network', 'disconnect', '-f', `${project()}-egress`, name], {
        reject: false,
      });
    const stopped = await cli('stop', slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    const resumed = await cli('resume', slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    // The continued session re-sends its history; the identical proposal re-attaches to the
    // queued one instead of queueing a second.
    const firstAfter = await until('the resumed session’s first turn', async () =>
      (await transcript()).slice(beforeStop).find((e) => e.kind === 'agent-loop'),
    );
    assert.equal(firstAfter.step, 'resumed', JSON.stringify(firstAfter));
    assert.ok(
      (firstAfter.turn?.assistantTurns ?? 0) >= 3,
      `the resumed request carries the earlier turns: ${JSON.stringify(firstAfter.turn)}`,
    );
    await until('the re-proposal to re-attach', async () => {
      const out = await execa(
        'docker',
        ['compose', '-f', composeFile, 'logs', '--no-color', 'supervise'],
        { env },
      );
      return out.stdout.includes('proposal_reattached') ? true : undefined;
    });
    const all = await cli('proposals', '--json', '--all', '--bottle', slug);
    const proposals = (JSON.parse(all.stdout) as { proposals: { id: string; tool: string }[] })
      .proposals;
    assert.deepEqual(
      proposals.filter((p) => p.tool === 'egress-proxy-block').map((p) => p.id),
      [id],
    );
    const approved = await cli('approve', id);
    assert.equal(approved.code, 0, approved.stderr);
    const steps = await until('the episode to end', async () => {
      const entries = await transcript();
      return entries.some((e) => e.step === 'done') ? entries : undefined;
    });
    const order = steps.map((e) => e.step).filter(Boolean);
    for (const step of ['curl', 'read-routes', 'propose', 'resumed', 'retry', 'done'])
      assert.ok(order.includes(step), `the episode went ${order.join(' → ')}`);
    // The CLI prints its result once the final answer arrived, then exits (-p mode).
    const logs = await until('the CLI’s result line', async () => {
      const out = await execa(
        'docker',
        ['compose', '-f', composeFile, 'logs', '--no-color', 'agent'],
        { env },
      );
      return /"type":"result"/.test(out.stdout) ? out.stdout : undefined;
    });
    assert.match(logs, /"mcp_servers":\[\{"name":"supervise","status":"connected"/);
    const result = logs.split('\n').find((line) => line.includes('"type":"result"'))!;
    assert.match(result, /"subtype":"success"/);
  });

  it('the model saw only the injected key, in x-api-key, never the placeholder', async () => {
    const entries = (await transcript()).filter(
      (e) => e.kind === 'agent-loop' || e.kind === 'side',
    );
    assert.ok(entries.length >= 5);
    for (const entry of entries) {
      assert.equal(entry.credential.placeholder, false);
      assert.equal(entry.credential.header, 'x-api-key');
      assert.equal(entry.credential.ok, true);
    }
  });

  it('no secret in the agent’s environment, files or transcript', async () => {
    const look = await execa(
      'docker',
      [
        'compose',
        '-f',
        composeFile,
        'run',
        '--rm',
        '--no-deps',
        '--entrypoint',
        'bash',
        'agent',
        '-c',
        'env; grep -rl . /home/agent /workspace /etc/claude-bottle 2>/dev/null | xargs -r cat 2>/dev/null',
      ],
      { env, reject: false },
    );
    for (const secret of [KEY, UPSTREAM_TOKEN]) {
      assert.ok(!look.stdout.includes(secret), 'a secret is inside the agent container');
    }
    const transcriptDir = tree.path(`home/state/${slug}/transcript`);
    const files = await readdir(transcriptDir, { recursive: true });
    assert.ok(
      files.some((f) => f.endsWith('.jsonl')),
      'the session is kept in transcript/',
    );
    for (const file of files) {
      const text = await readFile(join(transcriptDir, file), 'utf8').catch(() => '');
      assert.ok(
        !text.includes(KEY) && !text.includes(UPSTREAM_TOKEN),
        `a secret in transcript/${file}`,
      );
    }
  });
});
