import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLACEHOLDER_TOKEN } from '../../../launcher/plan/agent-runtime.js';
import { sha256Hex } from '../../fixtures/scripted-model/credential.js';
import { echoHello } from '../../fixtures/scripted-model/scripts/echo-hello.js';
import {
  createScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/scripted-model/server.js';
import { claudeBinary, runClaude, type ClaudeRunOptions } from './helpers/claude-cli.js';
import { startRefusingProxy, type RefusingProxy } from './helpers/refusing-proxy.js';

// The real Claude Code CLI (npm-packed native build) runs its real agent loop against the
// scripted model on 127.0.0.1: a real Bash tool call, its output sent back, a final answer.
// Fails loudly when the CLI is not cached; see tests/fixtures/scripted-model/README.md.
const TEST_KEY = 'sk-ant-test-scripted-model-loopback-key';

describe('the real Claude Code CLI against the scripted model', () => {
  let dir: string;
  let model: ScriptedModelServer;
  let baseUrl: string;
  let proxy: RefusingProxy;

  before(async () => {
    claudeBinary(); // throws with the fetch command when the CLI is not cached
    dir = await mkdtemp(join(tmpdir(), 'cb-scripted-model-'));
    model = createScriptedModelServer({
      script: echoHello(),
      expectedCredentialSha256: sha256Hex(TEST_KEY),
      transcriptFile: join(dir, 'transcript.jsonl'),
    });
    const address = await model.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    proxy = await startRefusingProxy();
  });
  after(async () => {
    await model?.close();
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function runCli(
    name: string,
    env: Record<string, string>,
  ): Promise<ReturnType<typeof runClaude>> {
    const cwd = join(dir, name, 'work');
    const home = join(dir, name, 'home');
    await mkdir(cwd, { recursive: true });
    await mkdir(home, { recursive: true });
    const options: ClaudeRunOptions = {
      cwd,
      home,
      baseUrl,
      prompt: 'Say hello through the shell.',
      env: {
        // Anything that is not the model goes to the refusing proxy and is recorded there.
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1,localhost',
        ...env,
      },
    };
    return runClaude(options);
  }

  it('runs a Bash tool call and finishes, with only the expected credential and no other traffic', async () => {
    const before = model.transcript.entries.length;
    const run = await runCli('loop', { ANTHROPIC_API_KEY: TEST_KEY });
    const entries = model.transcript.entries.slice(before);
    const context = `stderr: ${run.stderr}\ntranscript: ${JSON.stringify(entries, null, 1)}`;
    assert.equal(run.exitCode, 0, context);
    assert.equal(run.result?.result, 'done: the shell said hello', context);

    const loop = entries.filter((e) => e.kind === 'agent-loop');
    assert.deepEqual(
      loop.map((e) => e.step),
      ['echo', 'finish'],
      context,
    );
    assert.equal(loop[1]?.turn?.tool, 'Bash');
    assert.match(loop[1]?.turn?.result ?? '', /^hello from bash/);
    assert.ok(loop.every((e) => e.stream && e.tools));

    for (const entry of entries) {
      assert.deepEqual(
        entry.credential,
        {
          header: 'x-api-key',
          sha256: sha256Hex(TEST_KEY),
          placeholder: false,
          expected: true,
          ok: true,
        },
        `request ${entry.seq} ${entry.path}`,
      );
    }
    assert.deepEqual(
      entries.filter((e) => e.kind === 'other').map((e) => `${e.method} ${e.path}`),
      [],
      'the CLI called the base URL for something besides messages',
    );
    assert.deepEqual(proxy.attempts, [], 'the CLI tried to reach a host besides the model');

    // The session is a file under HOME: what --continue/--resume and the bottle's transcript/ use.
    const init = run.events.find((e) => e.type === 'system' && e.subtype === 'init');
    assert.equal(init?.apiKeySource, 'ANTHROPIC_API_KEY');
  });

  it("refuses the agent's placeholder in x-api-key and in Authorization, and records which header held it", async () => {
    for (const [variable, header] of [
      ['ANTHROPIC_API_KEY', 'x-api-key'],
      ['ANTHROPIC_AUTH_TOKEN', 'authorization'],
    ] as const) {
      const before = model.transcript.entries.length;
      const run = await runCli(`placeholder-${header}`, { [variable]: PLACEHOLDER_TOKEN });
      const entries = model.transcript.entries.slice(before);
      assert.ok(entries.length > 0, `no request reached the model with ${variable}`);
      for (const entry of entries) {
        assert.equal(entry.credential.header, header);
        assert.equal(entry.credential.placeholder, true);
        assert.equal(entry.credential.ok, false);
        assert.equal(entry.step, null, 'a refused request consumed a script step');
      }
      assert.equal(run.result?.is_error, true, `the CLI did not report the 401: ${run.stderr}`);
    }
  });
});
