import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { PLACEHOLDER_TOKEN } from '../../../../launcher/plan/agent-runtime.js';
import { runCliCaptured } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// A bottle's provider base_url reaches the CLI the way that CLI reads it: Claude Code from
// ANTHROPIC_BASE_URL, Codex from a model_provider in $CODEX_HOME/config.toml (the transcript
// folder). Checked on the dry-run plan, with no engine and no registry.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

async function plan(provider: string) {
  const tree = await tempTree({
    'home/bottles/b.md': `---\nagent_provider: ${provider}\n---\n`,
    'home/agents/a.md': '---\nbottle: b\n---\nPrompt.\n',
  });
  trees.push(tree);
  const env = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: tree.path('home'),
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  };
  const run = await runCliCaptured(['start', 'a', '--dry-run'], { env, cwd: tree.path('repo') });
  assert.equal(run.code, 0, run.stderr);
  const slug = /state\/(a-[0-9a-f]+)\//.exec(run.stdout)?.[1];
  const dir = tree.path(`home/state/${slug}`);
  const compose = parse(await readFile(`${dir}/docker-compose.yml`, 'utf8')) as {
    services: { agent: { environment: Record<string, string> } };
  };
  const metadata = JSON.parse(await readFile(`${dir}/metadata.json`, 'utf8')) as {
    provider: string;
  };
  const text = (path: string) => readFile(`${dir}/${path}`, 'utf8').catch(() => undefined);
  return { env: compose.services.agent.environment, metadata, text };
}

describe('provider base_url in the plan', () => {
  it('sets ANTHROPIC_BASE_URL for claude, trailing slash dropped, key still a placeholder', async () => {
    const { env, metadata } = await plan('{ name: claude, base_url: "https://llm.corp.example/" }');
    assert.equal(env.ANTHROPIC_BASE_URL, 'https://llm.corp.example');
    assert.equal(env.ANTHROPIC_API_KEY, PLACEHOLDER_TOKEN);
    assert.equal(metadata.provider, 'claude', 'metadata keeps the name only');
  });

  it('leaves the vendor endpoint alone without a base_url', async () => {
    for (const form of ['claude', '{ name: claude, version: "2.1.333" }']) {
      const { env } = await plan(form);
      assert.equal(env.ANTHROPIC_BASE_URL, undefined, form);
      assert.equal(env.ANTHROPIC_API_KEY, PLACEHOLDER_TOKEN, form);
    }
  });

  it('points codex at a model_provider block in $CODEX_HOME/config.toml', async () => {
    const { env, metadata, text } = await plan(
      '{ name: codex, base_url: "https://gw.corp.example/openai/v1" }',
    );
    assert.equal(metadata.provider, 'codex');
    assert.equal(env.ANTHROPIC_BASE_URL, undefined);
    assert.equal(env.OPENAI_API_KEY, PLACEHOLDER_TOKEN);
    const config = await text('transcript/config.toml');
    assert.ok(config, 'CODEX_HOME/config.toml is written before the agent runs');
    assert.match(config, /^model_provider = "claude-bottle"$/m);
    assert.ok(
      config.indexOf('model_provider') < config.indexOf('\n['),
      'a root key, before every table',
    );
    assert.match(
      config,
      /\[model_providers\.claude-bottle\]\nname = "claude-bottle"\nbase_url = "https:\/\/gw\.corp\.example\/openai\/v1"\nenv_key = "OPENAI_API_KEY"\nwire_api = "responses"\n/,
    );
    assert.match(config, /\[mcp_servers\.supervise\]/);
    assert.equal(await text('agent/codex-config.toml'), config);
  });

  it('writes no model_provider for codex without a base_url', async () => {
    const { text } = await plan('codex');
    const config = await text('transcript/config.toml');
    assert.ok(config);
    assert.doesNotMatch(config, /model_provider/);
  });
});
