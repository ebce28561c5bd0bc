import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PLACEHOLDER_TOKEN } from '../../../launcher/plan/agent-runtime.js';
import { sha256Hex } from '../../fixtures/scripted-model/credential.js';
import { echoHello } from '../../fixtures/scripted-model/scripts/echo-hello.js';
import {
  createScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/scripted-model/server.js';
import { makeServerCert } from '../../helpers/test-tls.js';

const KEY = 'sk-ant-test-server';
const PROMPT = {
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
};

describe('the scripted model server over HTTP', () => {
  let dir: string;
  let model: ScriptedModelServer;
  let base: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-scripted-server-'));
    model = createScriptedModelServer({
      script: { ...echoHello(), sideReply: 'A title' },
      expectedCredentialSha256: sha256Hex(KEY),
      transcriptFile: join(dir, 'transcript.jsonl'),
    });
    base = `http://127.0.0.1:${(await model.listen(0, '127.0.0.1')).port}`;
  });
  after(async () => {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, key = KEY) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers health and a side call (no tools) without consuming a step', async () => {
    const health = (await (await fetch(`${base}/_script/health`)).json()) as {
      ok: boolean;
      steps: string[];
    };
    assert.equal(health.ok, true);
    assert.equal(health.steps.length, 2);
    const side = (await (await post('/v1/messages', PROMPT)).json()) as {
      content: unknown;
      stop_reason: string;
    };
    assert.deepEqual(side.content, [{ type: 'text', text: 'A title' }]);
    assert.equal(side.stop_reason, 'end_turn');
    const loop = (await (
      await post('/v1/messages?beta=true', { ...PROMPT, tools: [{ name: 'Bash' }] })
    ).json()) as { content: { type: string; name?: string; id?: string }[]; stop_reason: string };
    assert.equal(loop.stop_reason, 'tool_use');
    assert.equal(loop.content[0]?.name, 'Bash');
    assert.match(loop.content[0]?.id ?? '', /^toolu_scripted_[0-9a-f]{32}$/);
  });

  it('streams SSE when asked', async () => {
    const res = await post('/v1/messages', { ...PROMPT, stream: true, tools: [{ name: 'Bash' }] });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text();
    assert.match(text, /^event: message_start\ndata: /);
    assert.match(text, /event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
  });

  it('counts tokens, refuses unknown paths with a JSON 404, refuses the placeholder with a 401 not to be retried', async () => {
    const count = (await (await post('/v1/messages/count_tokens', PROMPT)).json()) as {
      input_tokens: number;
    };
    assert.ok(count.input_tokens > 0);
    const missing = await fetch(`${base}/v1/models`, { headers: { 'x-api-key': KEY } });
    assert.equal(missing.status, 404);
    assert.deepEqual(
      ((await missing.json()) as { error: { type: string } }).error.type,
      'not_found_error',
    );
    const refused = await post(
      '/v1/messages',
      { ...PROMPT, tools: [{ name: 'Bash' }] },
      PLACEHOLDER_TOKEN,
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('x-should-retry'), 'false');
    assert.match(
      ((await refused.json()) as { error: { message: string } }).error.message,
      /placeholder/,
    );
  });

  it('records every request, with the credential as a hash, in memory, over GET and in the file', async () => {
    const served = (await (await fetch(`${base}/_script/transcript`)).json()) as {
      entries: { kind: string; step: string | null; credential: { ok: boolean } }[];
    };
    assert.deepEqual(served.entries, model.transcript.entries);
    assert.deepEqual(
      served.entries.map((e) => `${e.kind}:${e.step ?? '-'}:${e.credential.ok}`),
      [
        'side:-:true',
        'agent-loop:echo:true',
        'agent-loop:echo:true',
        'count-tokens:-:true',
        'other:-:true',
        'other:-:false',
      ],
    );
    const file = (await readFile(join(dir, 'transcript.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(file, served.entries);
    assert.ok(
      !JSON.stringify(file).includes(KEY) && !JSON.stringify(file).includes(PLACEHOLDER_TOKEN),
    );
  });
});

describe('the bundled scripted model, as its container runs it', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'cb-scripted-bundle-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves HTTPS from one file with the flags main() documents', async () => {
    const bundle = join(dir, 'scripted-model.mjs');
    await promisify(execFile)(process.execPath, [
      'tests/fixtures/scripted-model/bundle.mjs',
      bundle,
    ]);
    const tls = makeServerCert(dir, 'api.anthropic.test');
    const child = spawn(
      process.execPath,
      [
        bundle,
        '--script',
        'builtin:echo-hello',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--tls-cert',
        tls.cert,
        '--tls-key',
        tls.key,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let log = '';
        child.stderr.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          const match = /https on 127\.0\.0\.1:(\d+)/.exec(log);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${log}`)));
      });
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/_script/health',
            servername: 'api.anthropic.test',
            ca: [readFileSync(tls.caCert, 'utf8')],
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal((JSON.parse(body) as { script: string }).script, 'echo-hello');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
