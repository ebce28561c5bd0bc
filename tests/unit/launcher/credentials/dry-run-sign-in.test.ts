import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCliCaptured } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// What each sign-in puts in the plan (start --dry-run, no engine, no value read): the variable
// the CLI reads its placeholder from, the route the proxy injects on, Codex's provider block.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

async function plan(front: string) {
  const tree = await tempTree({
    'home/bottles/b.md': `---\n${front}\n---\n`,
    'home/agents/a.md': '---\nbottle: b\n---\nPrompt.\n',
  });
  trees.push(tree);
  const env = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: tree.path('home'),
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  };
  const run = await runCliCaptured(['start', 'a', '--dry-run'], { env, cwd: tree.path('home') });
  assert.equal(run.code, 0, run.stderr);
  const dir = tree.path(`home/state/${/state\/(a-[0-9a-f]+)\//.exec(run.stdout)![1]}`);
  const compose = parse(await readFile(`${dir}/docker-compose.yml`, 'utf8')) as {
    services: Record<string, { environment: Record<string, string> | string[] }>;
  };
  return {
    run,
    agentEnv: compose.services.agent!.environment as Record<string, string>,
    proxyEnv: compose.services['egress-proxy']!.environment as string[],
    routes: (
      parse(await readFile(`${dir}/live-config/routes.yaml`, 'utf8')) as {
        routes: { host: string; paths?: string[]; auth?: Record<string, string> }[];
      }
    ).routes,
    codexConfig: await readFile(`${dir}/transcript/config.toml`, 'utf8').catch(() => ''),
  };
}

describe('the plan of each sign-in', () => {
  it('a Claude subscription token: CLAUDE_CODE_OAUTH_TOKEN placeholder only, Authorization: Bearer route', async () => {
    const p = await plan(
      'auth_token: { secret: claude, kind: oauth }\nsecrets: { claude: env:CLAUDE_TOKEN }',
    );
    assert.match(p.agentEnv.CLAUDE_CODE_OAUTH_TOKEN!, /^sk-ant-oat01-claude-bottle-placeholder-/);
    assert.equal(p.agentEnv.ANTHROPIC_API_KEY, undefined);
    assert.equal(p.agentEnv.ANTHROPIC_AUTH_TOKEN, undefined);
    assert.deepEqual(p.routes.at(-1)!.auth, {
      header: 'Authorization',
      scheme: 'Bearer',
      secret: 'claude',
    });
    // The value reaches the proxy as a file at start, never through its environment.
    assert.deepEqual(p.proxyEnv, []);
    assert.match(p.run.stderr, /provider sign-in: subscription token \(planned/);
  });

  it('a bearer for a gateway: ANTHROPIC_AUTH_TOKEN, the gateway host', async () => {
    const p = await plan(
      'agent_provider: { name: claude, base_url: "https://llm.corp.example/anthropic" }\nauth_token: { secret: gw, kind: bearer }\nsecrets: { gw: env:GW }',
    );
    assert.ok(p.agentEnv.ANTHROPIC_AUTH_TOKEN);
    assert.equal(p.agentEnv.ANTHROPIC_API_KEY, undefined);
    assert.deepEqual(
      [p.routes.at(-1)!.host, p.routes.at(-1)!.paths],
      ['llm.corp.example', ['/anthropic/v1/']],
    );
  });

  it('a Codex ChatGPT login: no OPENAI_API_KEY, our provider with requires_openai_auth, no zstd, the login secret', async () => {
    const p = await plan('agent_provider: codex\nauth_token: { from: codex-login }');
    assert.equal(p.agentEnv.OPENAI_API_KEY, undefined);
    assert.match(p.codexConfig, /^model_provider = "claude-bottle"$/m);
    assert.match(p.codexConfig, /^chatgpt_base_url = "https:\/\/chatgpt\.com\/backend-api\/"$/m);
    assert.match(p.codexConfig, /^base_url = "https:\/\/chatgpt\.com\/backend-api\/codex"$/m);
    assert.match(p.codexConfig, /^requires_openai_auth = true$/m);
    assert.match(p.codexConfig, /^enable_request_compression = false$/m);
    assert.doesNotMatch(p.codexConfig, /env_key/);
    assert.deepEqual(p.proxyEnv, []);
    assert.equal(p.routes.at(-1)!.host, 'chatgpt.com');
    assert.equal(p.routes.at(-1)!.auth?.secret, 'codex-login');
  });

  it('a Codex API key without base_url: the built-in provider, the key as a bearer on api.openai.com', async () => {
    const p = await plan(
      'agent_provider: codex\nauth_token: openai\nsecrets: { openai: env:OPENAI_KEY }',
    );
    assert.ok(p.agentEnv.OPENAI_API_KEY);
    assert.doesNotMatch(p.codexConfig, /model_provider/);
    assert.deepEqual(p.routes.at(-1), {
      host: 'api.openai.com',
      paths: ['/v1/'],
      methods: ['GET', 'POST'],
      auth: { header: 'Authorization', scheme: 'Bearer', secret: 'openai' },
      dlp: true,
      private: false,
      tls: 'intercept',
    });
  });
});
