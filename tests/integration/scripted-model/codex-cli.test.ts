import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLACEHOLDER_TOKEN } from '../../../launcher/plan/agent-runtime.js';
import { CODEX_API_KEY_ENV } from '../../../launcher/state/prepare.js';
import { codexConfigToml, MCP_SERVER_NAME } from '../../../mcp/host-config.js';
import { sha256Hex } from '../../fixtures/scripted-model/credential.js';
import { codexFetch } from '../../fixtures/scripted-model/scripts/codex-fetch.js';
import {
  createScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/scripted-model/server.js';
import type { TranscriptEntry } from '../../fixtures/scripted-model/transcript.js';
import { codexBinary, codexMcpList, runCodex, type CodexRun } from './helpers/codex-cli.js';
import { startRefusingProxy, type RefusingProxy } from './helpers/refusing-proxy.js';

// The real Codex CLI (npm-packed native build) runs its real agent loop against the scripted
// model's Responses API on 127.0.0.1: a real shell call (curl to a local upstream), its output sent
// back as a function_call_output, a final answer. Fails loudly when the CLI is not cached; see
// tests/fixtures/scripted-model/README.md.
const TEST_KEY = 'sk-test-scripted-model-codex-key';
const MCP_TOKEN_ENV = 'CLAUDE_BOTTLE_MCP_TOKEN';

describe('the real Codex CLI against the scripted model', () => {
  let dir: string;
  let model: ScriptedModelServer;
  let baseUrl: string;
  let upstream: Server;
  let upstreamUrl: string;
  const upstreamRequests: string[] = [];
  let proxy: RefusingProxy;

  before(async () => {
    codexBinary(); // throws with the fetch command when the CLI is not cached
    dir = await mkdtemp(join(tmpdir(), 'cb-scripted-codex-'));
    await mkdir(join(dir, 'requests'));
    upstream = createServer((req, res) => {
      upstreamRequests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from upstream\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/hello`;
    model = createScriptedModelServer({
      script: codexFetch({ url: upstreamUrl }),
      expectedCredentialSha256: sha256Hex(TEST_KEY),
      transcriptFile: join(dir, 'transcript.jsonl'),
      dumpDir: join(dir, 'requests'),
    });
    baseUrl = `http://127.0.0.1:${(await model.listen(0, '127.0.0.1')).port}/v1`;
    proxy = await startRefusingProxy();
  });
  after(async () => {
    await model?.close();
    await proxy?.close();
    upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh HOME and CODEX_HOME holding the config.toml the launcher writes (its opt-outs too). */
  async function makeHome(name: string): Promise<{ cwd: string; home: string; codexHome: string }> {
    const home = join(dir, name, 'home');
    const codexHome = join(home, '.codex');
    const cwd = join(dir, name, 'work');
    await mkdir(codexHome, { recursive: true });
    await mkdir(cwd, { recursive: true });
    const config = codexConfigToml({
      // Never contacted: every run below disables the server (-c …enabled=false).
      url: 'http://127.0.0.1:9/mcp',
      bearerTokenEnvVar: MCP_TOKEN_ENV,
      modelProvider: { baseUrl, envKey: CODEX_API_KEY_ENV },
      // An agent file's prompt with everything TOML could trip on: --strict-config must accept it.
      developerInstructions: 'You are "scripted".\n[features]\nplugins = true\n\\ \x7f \u00e9 ✓',
    });
    await writeFile(join(codexHome, 'config.toml'), config);
    return { cwd, home, codexHome };
  }

  async function run(
    where: { cwd: string; home: string; codexHome: string },
    args: string[],
    options: { key?: string; subcommand?: string[] } = {},
  ): Promise<{ run: CodexRun; entries: TranscriptEntry[]; context: string }> {
    const before = model.transcript.entries.length;
    const result = await runCodex(
      {
        ...where,
        args: ['-c', `mcp_servers.${MCP_SERVER_NAME}.enabled=false`, ...args],
        env: {
          [CODEX_API_KEY_ENV]: options.key ?? TEST_KEY,
          // Anything that is not the model or the upstream goes to the refusing proxy.
          HTTPS_PROXY: proxy.url,
          HTTP_PROXY: proxy.url,
          https_proxy: proxy.url,
          http_proxy: proxy.url,
          NO_PROXY: '127.0.0.1,localhost',
          no_proxy: '127.0.0.1,localhost',
        },
      },
      options.subcommand,
    );
    const entries = model.transcript.entries.slice(before);
    const context = `stdout events: ${JSON.stringify(result.events, null, 1)}\nstderr: ${result.stderr}\ntranscript: ${JSON.stringify(entries, null, 1)}`;
    return { run: result, entries, context };
  }

  function assertCleanLoop(entries: TranscriptEntry[], tool: string, context: string): void {
    const loop = entries.filter((e) => e.kind === 'agent-loop');
    assert.deepEqual(
      loop.map((e) => e.step),
      ['curl', 'done'],
      context,
    );
    assert.match(loop[0]?.reply ?? '', new RegExp(`^tool_use ${tool} `), context);
    // The function_call_output (or custom_tool_call_output) reached the model, tied to its call.
    assert.equal(loop[1]?.turn?.tool, tool, context);
    assert.match(loop[1]?.turn?.result ?? '', /hello from upstream[\s\S]*HTTP 200/, context);
    assert.equal(loop[1]?.turn?.isError, false);
    assert.ok(loop.every((e) => e.stream && e.tools && e.api === 'responses'));
    for (const entry of entries) {
      assert.equal(`${entry.method} ${entry.path}`, 'POST /v1/responses', context);
      assert.deepEqual(
        entry.credential,
        {
          header: 'authorization',
          sha256: sha256Hex(TEST_KEY),
          placeholder: false,
          expected: true,
          ok: true,
        },
        `request ${entry.seq}`,
      );
    }
    assert.deepEqual(proxy.attempts, [], 'the CLI tried to reach a host besides the model');
  }

  it('runs exec_command for a model it does not know (plain function tools) and finishes', async () => {
    const home = await makeHome('function-tools');
    const {
      run: result,
      entries,
      context,
    } = await run(home, ['-m', 'scripted-model', 'Fetch the hello page.']);
    assert.equal(result.exitCode, 0, context);
    assert.equal(result.lastMessage, 'done', context);
    assertCleanLoop(entries, 'exec_command', context);
    assert.ok(upstreamRequests.includes('GET /hello'));
    // The agent file's prompt reached the model whole, as instructions and not as config.
    const body = await readFile(join(dir, 'requests', `${entries[0]!.seq}.json`), 'utf8');
    assert.ok(
      body.includes(JSON.stringify('You are "scripted".\n[features]\nplugins = true').slice(1, -1)),
      'the developer_instructions are in the request',
    );
  });

  let codeModeHome: { cwd: string; home: string; codexHome: string };
  let codeModeThread: string | undefined;

  it('runs the same script in code mode (its default model: a JavaScript `exec` tool)', async () => {
    codeModeHome = await makeHome('code-mode');
    const { run: result, entries, context } = await run(codeModeHome, ['Fetch the hello page.']);
    assert.equal(result.exitCode, 0, context);
    assert.equal(result.lastMessage, 'done', context);
    assertCleanLoop(entries, 'exec', context);
    codeModeThread = result.threadId;
    // The session is a rollout file under CODEX_HOME/sessions/YYYY/MM/DD/, named by thread id.
    const sessions = await readdir(join(codeModeHome.codexHome, 'sessions'), { recursive: true });
    assert.equal(
      sessions.filter((file) => file.endsWith(`-${codeModeThread}.jsonl`)).length,
      1,
      sessions.join('\n'),
    );
  });

  it('resumes the last session unattended (exec resume --last), re-sending its history', async () => {
    assert.ok(codeModeThread, 'the code-mode run left no session');
    const {
      run: result,
      entries,
      context,
    } = await run(codeModeHome, ['Fetch it again.'], {
      subcommand: ['resume', '--last'],
    });
    assert.equal(result.exitCode, 0, context);
    assert.equal(result.threadId, codeModeThread, 'resume started another thread');
    assert.equal(result.lastMessage, 'done', context);
    assertCleanLoop(entries, 'exec', context);
    const first = entries.find((e) => e.kind === 'agent-loop');
    assert.ok((first?.turn?.assistantTurns ?? 0) >= 2, 'the earlier turns were not re-sent');
  });

  it("refuses the agent's placeholder in Authorization; no request consumes a step", async () => {
    const {
      run: result,
      entries,
      context,
    } = await run(
      await makeHome('placeholder'),
      ['-m', 'scripted-model', 'Fetch the hello page.'],
      { key: PLACEHOLDER_TOKEN },
    );
    assert.notEqual(result.exitCode, 0, context);
    assert.ok(
      result.events.some((e) => e.type === 'turn.failed'),
      context,
    );
    assert.ok(entries.length > 0, 'no request reached the model');
    for (const entry of entries) {
      assert.equal(entry.credential.header, 'authorization');
      assert.equal(entry.credential.placeholder, true);
      assert.equal(entry.credential.ok, false);
      assert.equal(entry.step, null, 'a refused request consumed a script step');
    }
  });

  it('lists the supervise MCP server as the launcher writes it (codex mcp list --json)', async () => {
    const { home, codexHome } = await makeHome('mcp-list');
    const listed = (await codexMcpList(home, codexHome)) as Record<string, unknown>[];
    // The fields the launcher sets; the rest (http_headers…, auth_status) may grow per release.
    assert.deepEqual(
      listed.map((server) => {
        const transport = server.transport as Record<string, unknown>;
        return {
          name: server.name,
          enabled: server.enabled,
          type: transport.type,
          url: transport.url,
          bearer: transport.bearer_token_env_var,
          timeouts: [server.startup_timeout_sec, server.tool_timeout_sec],
        };
      }),
      [
        {
          name: MCP_SERVER_NAME,
          enabled: true,
          type: 'streamable_http',
          url: 'http://127.0.0.1:9/mcp',
          bearer: MCP_TOKEN_ENV,
          timeouts: [30, 1800],
        },
      ],
    );
  });
});
