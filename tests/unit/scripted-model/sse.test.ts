import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  replyEvents,
  replyMessage,
  sseFrame,
  type Reply,
} from '../../fixtures/scripted-model/sse.js';

const options = {
  model: 'claude-test',
  messageId: 'msg_1',
  toolUseId: 'toolu_1',
  inputTokens: 10,
  chunkSize: 7,
};

/** Parses an SSE stream back into events, checking the framing of every frame. */
function parseStream(text: string): { event: string; data: Record<string, unknown> }[] {
  assert.ok(text.endsWith('\n\n'));
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const match = /^event: ([a-z_]+)\ndata: (.*)$/.exec(frame);
      assert.ok(match, `bad frame ${JSON.stringify(frame)}`);
      const data = JSON.parse(match[2]!) as Record<string, unknown>;
      assert.equal(data.type, match[1], 'data.type repeats the event name');
      return { event: match[1]!, data };
    });
}

describe('SSE rendering', () => {
  it('frames each event as "event: <type>\\ndata: <json>\\n\\n"', () => {
    assert.equal(
      sseFrame({ event: 'ping', data: { type: 'ping' } }),
      'event: ping\ndata: {"type":"ping"}\n\n',
    );
  });

  it('streams text then a tool_use whose input_json_delta chunks concatenate to the input', () => {
    const input = { command: 'curl -sS "https://api.example.test/other"', description: 'Fetch ✓' };
    const reply: Reply = { text: 'Let me fetch it.', tool_use: { name: 'Bash', input } };
    const events = parseStream(replyEvents(reply, options).map(sseFrame).join(''));
    assert.deepEqual(
      [...new Set(events.map((e) => e.event))],
      [
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    assert.equal(events[0]?.event, 'message_start');
    assert.equal(events.at(-1)?.event, 'message_stop');
    const deltas = (index: number) =>
      events
        .filter((e) => e.event === 'content_block_delta' && e.data.index === index)
        .map((e) => e.data.delta as Record<string, string>);
    assert.equal(
      deltas(0)
        .map((d) => d.text)
        .join(''),
      'Let me fetch it.',
    );
    assert.ok(deltas(1).length > 1, 'the input arrives in several chunks');
    assert.ok(deltas(1).every((d) => d.type === 'input_json_delta'));
    assert.deepEqual(
      JSON.parse(
        deltas(1)
          .map((d) => d.partial_json)
          .join(''),
      ),
      input,
    );
    const start = events.find((e) => e.event === 'content_block_start' && e.data.index === 1);
    assert.deepEqual(start?.data.content_block, {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'Bash',
      input: {},
    });
    const delta = events.find((e) => e.event === 'message_delta');
    assert.deepEqual((delta?.data.delta as Record<string, unknown>).stop_reason, 'tool_use');
  });

  it('ends a text-only reply with end_turn and starts with an empty message', () => {
    const events = replyEvents({ text: 'done' }, options);
    const start = events[0]?.data.message as Record<string, unknown>;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(
      (events.find((e) => e.event === 'message_delta')?.data.delta as Record<string, unknown>)
        .stop_reason,
      'end_turn',
    );
  });

  it('renders the same reply as one message object when not streaming', () => {
    const message = replyMessage({ tool_use: { name: 'Bash', input: { command: 'ls' } } }, options);
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
    ]);
  });
});
