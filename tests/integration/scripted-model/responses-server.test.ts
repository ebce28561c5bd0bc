import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PLACEHOLDER_TOKEN } from '../../../launcher/plan/agent-runtime.js';
import { sha256Hex } from '../../fixtures/scripted-model/credential.js';
import { codexFetch } from '../../fixtures/scripted-model/scripts/codex-fetch.js';
import {
  createScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/scripted-model/server.js';

// The Responses side over real HTTP, as Codex calls it: POST <base>/responses with a bearer key.
const KEY = 'sk-test-responses-server';
const TOOLS = [{ type: 'function', name: 'exec_command' }];
const PROMPT = {
  model: 'gpt-test',
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fetch.' }] }],
};

describe('the scripted model server, Responses side', () => {
  let model: ScriptedModelServer;
  let base: string;
  before(async () => {
    model = createScriptedModelServer({
      script: codexFetch(),
      expectedCredentialSha256: sha256Hex(KEY),
    });
    base = `http://127.0.0.1:${(await model.listen(0, '127.0.0.1')).port}`;
  });
  after(() => model.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('streams the first step as SSE ending in response.completed, under any base path', async () => {
    for (const path of ['/v1/responses', '/responses']) {
      const res = await post(path, { ...PROMPT, stream: true, tools: TOOLS });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const text = await res.text();
      assert.match(text, /^event: response\.created\ndata: /);
      assert.match(text, /"type":"function_call"[^}]*"name":"exec_command"/);
      assert.match(text, /event: response\.completed\ndata: \{[^\n]*\}\n\n$/);
    }
  });

  it('answers without streaming with one response object, and a side call with sideReply', async () => {
    const loop = (await (await post('/v1/responses', { ...PROMPT, tools: TOOLS })).json()) as {
      object: string;
      output: { type: string; call_id?: string }[];
    };
    assert.equal(loop.object, 'response');
    assert.equal(loop.output[0]?.type, 'function_call');
    assert.match(loop.output[0]?.call_id ?? '', /^call_[0-9a-f]{32}$/);
    const side = (await (await post('/v1/responses', PROMPT)).json()) as {
      output: { content: { text: string }[] }[];
    };
    assert.equal(side.output[0]?.content[0]?.text, 'Codex fetch');
  });

  it('refuses an x-api-key alone and the placeholder, with an OpenAI error shape', async () => {
    const keyOnly = await post(
      '/v1/responses',
      { ...PROMPT, tools: TOOLS },
      {
        authorization: '',
        'x-api-key': KEY,
      },
    );
    assert.equal(keyOnly.status, 401);
    const body = (await keyOnly.json()) as { error: { message: string; type: string } };
    assert.equal(body.error.type, 'invalid_api_key');
    assert.match(body.error.message, /no Authorization: Bearer header/);
    const placeholder = await post(
      '/v1/responses',
      { ...PROMPT, tools: TOOLS },
      {
        authorization: `Bearer ${PLACEHOLDER_TOKEN}`,
      },
    );
    assert.equal(placeholder.status, 401);
    assert.match(
      ((await placeholder.json()) as { error: { message: string } }).error.message,
      /placeholder/,
    );
  });

  it('records the API beside each entry; an unknown path is other, not a step', async () => {
    const compact = await post('/v1/responses/compact', PROMPT);
    assert.equal(compact.status, 404);
    assert.deepEqual(
      model.transcript.entries.map((e) => `${e.api}:${e.kind}:${e.step ?? '-'}:${e.credential.ok}`),
      [
        'responses:agent-loop:curl:true',
        'responses:agent-loop:curl:true',
        'responses:agent-loop:curl:true',
        'responses:side:-:true',
        'responses:other:-:false',
        'responses:other:-:false',
        'null:other:-:true',
      ],
    );
  });
});
