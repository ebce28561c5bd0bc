import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { ModelBottle, until } from './model-bottle.js';

// The real Claude Code CLI in a real bottle, driven by the scripted model (the one stand-in):
// its curl is refused by the proxy → it calls egress-proxy-block over MCP → the operator
// approves headless → the retry succeeds → it ends. The model checks every request carries the
// key the proxy injected, never the agent's placeholder.
const CLI_VERSION = '2.1.332';
const KEY = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
const UPSTREAM_TOKEN = `cbe2e-${randomBytes(16).toString('hex')}`;
const BOTTLE = `---
agent_provider: { name: claude, base_url: "https://api.anthropic.test", version: "${CLI_VERSION}" }
# No hand-written route for the model: auth_token makes the launcher add it.
auth_token: anthropic
secrets:
  anthropic: env:CB_E2E_ANTHROPIC_KEY
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.example.test
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;

const bottle = new ModelBottle({
  cli: 'claude',
  version: CLI_VERSION,
  bottle: BOTTLE,
  bottleName: 'claude',
  agentFile: '---\nbottle: claude\n---\nYou are a scripted test agent.\n',
  modelHost: 'api.anthropic.test',
  script: 'builtin:egress-episode',
  credential: KEY,
  env: { CB_E2E_ANTHROPIC_KEY: KEY, CB_E2E_UPSTREAM_TOKEN: UPSTREAM_TOKEN },
});

describe('the real Claude Code CLI in a bottle, driven by the scripted model', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    const started = await bottle.start(
      'coder',
      'Fetch https://api.example.test/other and report its status.',
    );
    assert.equal(started.code, 0, started.stderr);
  });

  after(() => bottle.remove());

  it('runs the episode unattended across a stop/resume: refused → egress-proxy-block over MCP → (stop, resume: the session continues) → approved → retry → done', async () => {
    const id = await until('the agent’s egress-proxy-block proposal', async () => {
      const listed = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
      const found = (
        JSON.parse(listed.stdout) as { proposals: { id: string; tool: string }[] }
      ).proposals.find((p) => p.tool === 'egress-proxy-block');
      return found?.id;
    });
    // Stopped mid-call: the CLI is blocked in egress-proxy-block. The helpers leave the network
    // so compose can remove it; they join the new one as resume creates it.
    const beforeStop = (await bottle.transcript()).length;
    await bottle.detachHelpers();
    const stopped = await bottle.cli('stop', bottle.slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    const resumed = await bottle.cli('resume', bottle.slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    // The continued session re-sends its history; the identical proposal re-attaches to the
    // queued one instead of queueing a second.
    const firstAfter = await until('the resumed session’s first turn', async () =>
      (await bottle.transcript()).slice(beforeStop).find((e) => e.kind === 'agent-loop'),
    );
    assert.equal(firstAfter.step, 'resumed', JSON.stringify(firstAfter));
    assert.ok(
      (firstAfter.turn?.assistantTurns ?? 0) >= 3,
      `the resumed request carries the earlier turns: ${JSON.stringify(firstAfter.turn)}`,
    );
    await until('the re-proposal to re-attach', async () =>
      (await bottle.logs('supervise')).includes('proposal_reattached') ? true : undefined,
    );
    const all = await bottle.cli('proposals', '--json', '--all', '--bottle', bottle.slug);
    const proposals = (JSON.parse(all.stdout) as { proposals: { id: string; tool: string }[] })
      .proposals;
    assert.deepEqual(
      proposals.filter((p) => p.tool === 'egress-proxy-block').map((p) => p.id),
      [id],
    );
    const approved = await bottle.cli('approve', id);
    assert.equal(approved.code, 0, approved.stderr);
    const steps = await until('the episode to end', async () => {
      const entries = await bottle.transcript();
      return entries.some((e) => e.step === 'done') ? entries : undefined;
    });
    const order = steps.map((e) => e.step).filter(Boolean);
    for (const step of ['curl', 'read-routes', 'propose', 'resumed', 'retry', 'done'])
      assert.ok(order.includes(step), `the episode went ${order.join(' → ')}`);
    // The CLI prints its result once the final answer arrived, then exits (-p mode).
    const logs = await until('the CLI’s result line', async () => {
      const out = await bottle.logs('agent');
      return /"type":"result"/.test(out) ? out : undefined;
    });
    assert.match(logs, /"mcp_servers":\[\{"name":"supervise","status":"connected"/);
    const result = logs.split('\n').find((line) => line.includes('"type":"result"'))!;
    assert.match(result, /"subtype":"success"/);
  });

  it('the model saw only the injected key, in x-api-key, never the placeholder', async () => {
    const entries = (await bottle.transcript()).filter(
      (e) => e.kind === 'agent-loop' || e.kind === 'side',
    );
    assert.ok(entries.length >= 5);
    for (const entry of entries) {
      assert.equal(entry.credential.placeholder, false);
      assert.equal(entry.credential.header, 'x-api-key');
      assert.equal(entry.credential.ok, true);
    }
  });

  it('the model’s route is the one auth_token added, with the key in x-api-key', async () => {
    const text = await readFile(
      bottle.tree.path(`home/state/${bottle.slug}/live-config/routes.yaml`),
      'utf8',
    );
    const { routes } = parse(text) as {
      routes: { host: string; auth?: { header: string; secret: string } }[];
    };
    const model = routes.filter((r) => r.host === 'api.anthropic.test');
    assert.deepEqual(
      model.map((r) => r.auth),
      [{ header: 'x-api-key', secret: 'anthropic' }],
    );
    assert.match(text, /added by the launcher from auth_token/);
  });

  it('no secret in the agent’s environment, files or transcript', async () => {
    await bottle.assertNoSecretInAgent([KEY, UPSTREAM_TOKEN]);
    const sessions = await bottle.inAgent('bash', '-c', 'ls /home/agent/.claude/projects/*/');
    assert.match(sessions, /\.jsonl/, 'the session is kept in transcript/');
  });
});
