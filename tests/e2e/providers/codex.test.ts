import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { ModelBottle, until } from './model-bottle.js';

// The real Codex CLI in a real bottle, driven by the scripted model's Responses API: it runs one
// curl through its shell tool — out through the egress proxy, which injects the upstream's token —
// and the output goes back to the model, which ends the task. The model checks every request
// carries the OpenAI key the proxy injected, never the agent's placeholder.
const CLI_VERSION = '0.171.0';
const KEY = `sk-proj-${randomBytes(32).toString('hex')}`;
const UPSTREAM_TOKEN = `cbe2e-${randomBytes(16).toString('hex')}`;
const BOTTLE = `---
agent_provider: { name: codex, base_url: "https://api.openai.test/v1", version: "${CLI_VERSION}" }
secrets:
  openai: env:CB_E2E_OPENAI_KEY
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.openai.test
      paths: [/v1/responses]
      methods: [POST]
      auth: { header: Authorization, scheme: Bearer, secret: openai }
      private: true
    - host: api.example.test
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;
const PROMPT_MARK = `scripted-codex-agent-${randomBytes(4).toString('hex')}`;

const bottle = new ModelBottle({
  cli: 'codex',
  version: CLI_VERSION,
  bottle: BOTTLE,
  bottleName: 'codex',
  agentFile: `---\nbottle: codex\n---\nYou are ${PROMPT_MARK}, a scripted test agent.\n`,
  modelHost: 'api.openai.test',
  script: 'builtin:codex-fetch',
  credential: KEY,
  env: { CB_E2E_OPENAI_KEY: KEY, CB_E2E_UPSTREAM_TOKEN: UPSTREAM_TOKEN },
});

describe('the real Codex CLI in a bottle, driven by the scripted model', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    const started = await bottle.start('coder', 'Fetch https://api.example.test/hello.');
    assert.equal(started.code, 0, started.stderr);
  });

  after(() => bottle.remove());

  it('runs one shell tool call through the proxy and ends: curl → HTTP 200 → done', async () => {
    const entries = await until('the task to end', async () => {
      const seen = await bottle.transcript();
      return seen.some((e) => e.step === 'done' || e.step === 'failed') ? seen : undefined;
    });
    const loop = entries.filter((e) => e.kind === 'agent-loop');
    assert.deepEqual(
      loop.map((e) => e.step),
      ['curl', 'done'],
      JSON.stringify(entries),
    );
    assert.ok(loop.every((e) => e.api === 'responses'));
    // The curl's output went back to the model: the upstream's echo of the token the proxy
    // injected (as a hash; the agent never held the token).
    const injected = createHash('sha256').update(`Bearer ${UPSTREAM_TOKEN}`).digest('hex');
    const bodies = await bottle.requestBodies();
    assert.ok(bodies.at(-1)?.includes(injected), 'the upstream saw the injected token');
    const logs = await until('codex exec to finish', async () => {
      const out = await bottle.logs('agent');
      return /"type":"turn\.completed"/.test(out) ? out : undefined;
    });
    assert.match(logs, /"text":"done"/);
  });

  it('the model saw only the injected key, as a bearer, never the placeholder', async () => {
    const entries = await bottle.transcript();
    assert.ok(entries.length >= 2);
    for (const entry of entries) {
      assert.equal(entry.credential.placeholder, false);
      assert.equal(entry.credential.header, 'authorization');
      assert.equal(entry.credential.ok, true);
    }
  });

  it('has supervise connected and the agent file’s prompt as its instructions', async () => {
    const listed = await bottle.inAgent('codex', 'mcp', 'list', '--json');
    const servers = JSON.parse(listed) as { name: string; enabled: boolean }[];
    assert.deepEqual(
      servers.map((s) => [s.name, s.enabled]),
      [['supervise', true]],
    );
    // Connected: its tools were offered to the model, beside the agent file's prompt.
    const first = (await bottle.requestBodies())[0] ?? '';
    assert.match(first, /egress-proxy-block/);
    assert.ok(first.includes(PROMPT_MARK), 'the agent prompt reached the model');
  });

  it('no secret in the agent’s environment, files or sessions', async () => {
    await bottle.assertNoSecretInAgent([KEY, UPSTREAM_TOKEN]);
    const sessions = await bottle.inAgent('bash', '-c', 'ls -R /home/agent/.codex/sessions');
    assert.match(sessions, /rollout-.*\.jsonl/, 'the session is kept in transcript/');
  });
});
