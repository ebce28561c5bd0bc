import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRoutes } from '../../../images/egress-proxy/routes/parse.js';
import { CLAUDE_CODE_ALLOWED_TOOLS, claudeCodeMcpConfig } from '../../../mcp/host-config.js';
import { sha256Hex } from '../../fixtures/scripted-model/credential.js';
import { egressEpisode } from '../../fixtures/scripted-model/scripts/egress-episode.js';
import {
  createScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/scripted-model/server.js';
import { claudeBinary, runClaude } from './helpers/claude-cli.js';
import {
  approveProposals,
  makeStateDir,
  MCP_TOKEN,
  startRoutedUpstream,
  startSupervise,
  type Supervise,
} from './helpers/loopback-bottle.js';
import { startRefusingProxy, type RefusingProxy } from './helpers/refusing-proxy.js';

// The e2e episode's script, played by the real Claude Code CLI on loopback against the real
// supervise MCP server: refused → read routes.yaml → egress-proxy-block → approved → retry → done.
// Only Docker and the TLS proxy are missing; the upstream enforces routes.yaml with the proxy's
// own parser, matcher and refusal text.
const TEST_KEY = 'sk-ant-test-scripted-model-episode-key';

describe('the egress episode script, with the real CLI and the real supervise server', () => {
  let dir: string;
  let stateDir: string;
  let routesFile: string;
  let upstream: { port: number; server: Server };
  let supervise: Supervise;
  let model: ScriptedModelServer;
  let proxy: RefusingProxy;

  before(async () => {
    claudeBinary();
    dir = await mkdtemp(join(tmpdir(), 'cb-scripted-episode-'));
    stateDir = join(dir, 'state');
    routesFile = await makeStateDir(stateDir, 'routes: []\n');
    upstream = await startRoutedUpstream(routesFile);
    await writeFile(
      routesFile,
      `# Routes of the loopback episode.\nroutes:\n  - host: 127.0.0.1:${upstream.port}\n    paths: [/allowed]\n`,
    );
    supervise = await startSupervise(stateDir);
    model = createScriptedModelServer({
      script: egressEpisode({ url: `http://127.0.0.1:${upstream.port}/other`, routesFile }),
      expectedCredentialSha256: sha256Hex(TEST_KEY),
    });
    proxy = await startRefusingProxy();
  });
  after(async () => {
    await model?.close();
    await supervise?.stop();
    await proxy?.close();
    upstream?.server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole episode unattended and ends with done', async () => {
    const { port } = await model.listen(0, '127.0.0.1');
    const cwd = join(dir, 'work');
    const home = join(dir, 'home');
    await mkdir(cwd, { recursive: true });
    await mkdir(home, { recursive: true });
    const mcpConfig = join(dir, 'mcp.json');
    await writeFile(
      mcpConfig,
      JSON.stringify(claudeCodeMcpConfig({ url: supervise.url, token: MCP_TOKEN })),
    );
    const operator = approveProposals(stateDir, routesFile);
    const run = await runClaude({
      cwd,
      home,
      baseUrl: `http://127.0.0.1:${port}`,
      prompt: 'Fetch the other page.',
      env: {
        ANTHROPIC_API_KEY: TEST_KEY,
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1,localhost',
      },
      // As the launcher starts it (launcher/plan/agent-runtime.ts agentCommand).
      args: ['--mcp-config', mcpConfig, '--allowedTools', CLAUDE_CODE_ALLOWED_TOOLS],
    });
    operator.stop();
    const entries = model.transcript.entries;
    const context = `stderr: ${run.stderr}\nsupervise: ${supervise.stderr()}\ntranscript: ${JSON.stringify(entries, null, 1)}`;
    assert.equal(run.exitCode, 0, context);
    assert.equal(run.result?.result, 'done', context);

    const init = run.events.find((e) => e.type === 'system' && e.subtype === 'init');
    assert.deepEqual(
      (init?.mcp_servers as { name: string; status: string }[]).map((s) => `${s.name}:${s.status}`),
      ['supervise:connected'],
    );
    const loop = entries.filter((e) => e.kind === 'agent-loop');
    assert.deepEqual(
      loop.map((e) => e.step),
      ['curl', 'read-routes', 'propose', 'retry', 'done'],
      context,
    );
    assert.match(loop[1]?.turn?.result ?? '', /egress-proxy-block/);
    assert.equal(loop[3]?.turn?.tool, 'mcp__supervise__egress-proxy-block');
    // Claude Code passes the tool's structuredContent, not its text, to the model.
    assert.match(loop[3]?.turn?.result ?? '', /"status":"approved"|was approved/);
    assert.match(loop[4]?.turn?.result ?? '', /ok from upstream[\s\S]*HTTP 200/);
    assert.equal(operator.ids.length, 1);
    const live = parseRoutes(await readFile(routesFile, 'utf8'));
    assert.ok(live.ok);
    assert.deepEqual(live.routes.routes[0]?.paths, ['/allowed', '/other']);
    assert.ok(entries.every((e) => e.credential.ok && e.credential.header === 'x-api-key'));
    assert.deepEqual(proxy.attempts, []);
  });
});
