import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { decideLater, startHttp, TOKEN, type HttpServer } from './helpers/clients.js';
import { makeState, ROUTES_YAML, type TestState } from './helpers/state.js';

/** A raw request, so the test controls the Host and Authorization headers exactly. */
function raw(
  port: number,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

describe('supervise over Streamable HTTP', () => {
  let state: TestState;
  let server: HttpServer;
  before(async () => {
    state = await makeState();
    server = await startHttp(state.dir, ['--allowed-host', '127.0.0.1']);
  });
  after(async () => {
    await server.stop();
    await state.cleanup();
  });

  it('refuses a wrong Host with 403 even with the right token', async () => {
    const response = await raw(server.port, {
      Host: `evil.test:${server.port}`,
      Authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(response.status, 403);
  });

  it('refuses a missing or wrong token with 401 and never logs the token', async () => {
    const host = `127.0.0.1:${server.port}`;
    assert.equal((await raw(server.port, { Host: host })).status, 401);
    assert.equal(
      (await raw(server.port, { Host: host, Authorization: `Bearer ${TOKEN}x` })).status,
      401,
    );
    assert.equal((await raw(server.port, { Host: host, Authorization: TOKEN })).status, 401);
    assert.equal(server.stderr().includes(TOKEN), false);
  });

  it('accepts the right Host and token', async () => {
    const response = await raw(server.port, {
      Host: `127.0.0.1:${server.port}`,
      Authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(response.status, 200);
    assert.match(response.body, /egress-proxy-block/);
  });

  it('serves the tools and resources to the SDK client', async () => {
    const client = await server.connect();
    const { tools } = await client.listTools();
    assert.equal(tools.length, 4);
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'claude-bottle://live-config/routes.yaml'));
  });

  it('waits more than 10 s for an approval, reporting progress all the while', async () => {
    const client = await server.connect();
    const progress: { progress: number; message?: string }[] = [];
    const decided = decideLater(state.queueDir, 'egress-proxy-block', 'approved', 'added', 11_000);
    const result = await client.callTool(
      {
        name: 'egress-proxy-block',
        arguments: {
          routes_yaml: `${ROUTES_YAML}  - host: registry.npmjs.org\n`,
          justification: 'npm install',
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 120_000, resetTimeoutOnProgress: true },
    );
    const id = await decided;
    assert.deepEqual(result.structuredContent, {
      proposal_id: id,
      status: 'approved',
      reason: 'added',
      applied: true,
    });
    assert.match((result.content as { text: string }[])[0]!.text, /routes are live/);
    // At least one notification per 5 s of an 11 s wait.
    assert.ok(progress.length >= 3, `got ${progress.length} progress notifications`);
    assert.match(progress.at(-1)!.message ?? '', new RegExp(`awaiting operator: proposal ${id}`));
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i]!.progress > progress[i - 1]!.progress, 'progress increases');
    }
  });
});

describe('supervise HTTP start-up', () => {
  it('refuses to start without a token file', async () => {
    const { spawn } = await import('node:child_process');
    const { SERVE_MAIN, REPO_ROOT } = await import('./helpers/clients.js');
    const state = await makeState();
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', SERVE_MAIN, '--state', state.dir, '--http', '127.0.0.1:0'],
        { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 64);
      assert.match(err, /--http needs --token-file/);
    } finally {
      await state.cleanup();
    }
  });
});
