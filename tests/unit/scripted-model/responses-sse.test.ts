import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  freeformInput,
  responseObject,
  responsesEvents,
} from '../../fixtures/scripted-model/responses-sse.js';
import { sseFrame, type Reply } from '../../fixtures/scripted-model/sse.js';

const options = { model: 'gpt-test', id: 'abc', inputTokens: 10, chunkSize: 7, createdAt: 1 };

type Event = { event: string; data: Record<string, unknown> };

/** Parses the stream back, checking each frame's framing and its running sequence_number. */
function parseStream(text: string): Event[] {
  assert.ok(text.endsWith('\n\n'));
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame, index) => {
      const match = /^event: ([a-z_.]+)\ndata: (.*)$/.exec(frame);
      assert.ok(match, `bad frame ${JSON.stringify(frame)}`);
      const data = JSON.parse(match[2]!) as Record<string, unknown>;
      assert.equal(data.type, match[1], 'data.type repeats the event name');
      assert.equal(data.sequence_number, index);
      return { event: match[1]!, data };
    });
}

const stream = (reply: Reply, custom: string[] = []): Event[] =>
  parseStream(
    responsesEvents(reply, { ...options, customTools: new Set(custom) })
      .map(sseFrame)
      .join(''),
  );

const joined = (events: Event[], type: string): string =>
  events
    .filter((e) => e.event === type)
    .map((e) => String(e.data.delta))
    .join('');

describe('Responses SSE rendering', () => {
  it('streams text as a message item: added, part, deltas, done, completed', () => {
    const events = stream({ text: 'The shell said hello.' });
    assert.deepEqual(
      [...new Set(events.map((e) => e.event))],
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.ok(events.filter((e) => e.event === 'response.output_text.delta').length > 1);
    assert.equal(joined(events, 'response.output_text.delta'), 'The shell said hello.');
    const created = events[0]?.data.response as Record<string, unknown>;
    assert.deepEqual([created.status, created.output, created.usage], ['in_progress', [], null]);
    const added = events.find((e) => e.event === 'response.output_item.added')?.data;
    assert.deepEqual(added?.item, {
      id: 'msg_abc',
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    });
  });

  it('streams a function_call whose argument deltas join to the input JSON', () => {
    const input = { cmd: "curl -sS -w '\\nHTTP %{http_code}\\n' https://api.example.test/hello" };
    const events = stream({ tool_use: { name: 'exec_command', input } });
    assert.deepEqual(JSON.parse(joined(events, 'response.function_call_arguments.delta')), input);
    const done = events.find((e) => e.event === 'response.output_item.done')?.data.item;
    assert.deepEqual(done, {
      id: 'fc_abc',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_abc',
      name: 'exec_command',
      arguments: JSON.stringify(input),
    });
    const added = events.find((e) => e.event === 'response.output_item.added')?.data.item;
    assert.equal((added as Record<string, unknown>).arguments, '');
  });

  it('streams a call of a freeform tool as a custom_tool_call carrying the text', () => {
    const source = 'const r = await tools.exec_command({cmd: "ls"});\ntext(r.output);';
    const events = stream({ tool_use: { name: 'exec', input: { input: source } } }, ['exec']);
    assert.equal(joined(events, 'response.custom_tool_call_input.delta'), source);
    const done = events.find((e) => e.event === 'response.output_item.done')?.data.item;
    assert.deepEqual(done, {
      id: 'ctc_abc',
      type: 'custom_tool_call',
      status: 'completed',
      call_id: 'call_abc',
      name: 'exec',
      input: source,
    });
  });

  it('ends with response.completed holding every item and the usage', () => {
    const reply: Reply = {
      text: 'Fetching.',
      tool_use: { name: 'shell', input: { command: ['ls'] } },
    };
    const events = stream(reply);
    const completed = events.at(-1);
    assert.equal(completed?.event, 'response.completed');
    const response = completed?.data.response as Record<string, unknown>;
    assert.deepEqual(response, responseObject(reply, options));
    assert.deepEqual(
      (response.output as { type: string }[]).map((item) => item.type),
      ['message', 'function_call'],
    );
    const usage = response.usage as Record<string, number>;
    assert.equal(usage.total_tokens, usage.input_tokens! + usage.output_tokens!);
    assert.equal(response.status, 'completed');
  });

  it('gives a freeform tool JSON when the reply has no input text', () => {
    assert.equal(freeformInput({ input: 'x' }), 'x');
    assert.equal(freeformInput({ cmd: 'ls' }), '{"cmd":"ls"}');
  });
});
