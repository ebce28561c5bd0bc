import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exitedNonZero,
  isResponsesAgentLoop,
  latestResponsesTurn,
  offeredTools,
  type ResponsesItem,
  type ResponsesRequest,
} from '../../fixtures/scripted-model/responses-conversation.js';

// Shapes as Codex 0.171.0 sends them (trimmed): developer and user messages with input_text
// parts, then the model's calls and Codex's outputs matched by call_id.
const user = (text: string): ResponsesItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});
const prompt: ResponsesItem[] = [
  { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex' }] },
  user('<environment_context>…</environment_context>'),
  user('Fetch the hello page.'),
];
const CURL = "curl -sS -w '\\nHTTP %{http_code}\\n' http://127.0.0.1:1/hello";
const call: ResponsesItem = {
  type: 'function_call',
  name: 'exec_command',
  arguments: JSON.stringify({ cmd: CURL }),
  call_id: 'call_1',
};
const output: ResponsesItem = {
  type: 'function_call_output',
  call_id: 'call_1',
  output:
    'Chunk ID: 3147bf\nWall time: 0.0000 seconds\nProcess exited with code 0\nOriginal token count: 8\nOutput:\nhello\n\nHTTP 200\n',
};
const functionTools = [
  { type: 'function', name: 'exec_command' },
  { type: 'function', name: 'write_stdin' },
  { type: 'namespace', name: 'multi_agent_v1', tools: [{ type: 'function', name: 'spawn_agent' }] },
  { type: 'web_search' },
];

describe('latestResponsesTurn', () => {
  it('reads the first call: the user text after the last model output, no tool result', () => {
    const turn = latestResponsesTurn({ input: prompt, tools: functionTools });
    assert.deepEqual(turn, {
      userText: '<environment_context>…</environment_context>\nFetch the hello page.',
      assistantTurns: 0,
      toolNames: ['exec_command', 'write_stdin', 'spawn_agent'],
    });
  });

  it('takes a string input as one user message', () => {
    assert.equal(latestResponsesTurn({ input: 'hi' }).userText, 'hi');
  });

  it('ties a function_call_output to its call: the name and the parsed arguments', () => {
    const turn = latestResponsesTurn({ input: [...prompt, call, output], tools: functionTools });
    assert.equal(turn.userText, '');
    assert.equal(turn.assistantTurns, 1);
    assert.deepEqual(turn.toolResult, {
      text: output.output,
      isError: false,
      tool: { name: 'exec_command', input: { cmd: CURL } },
    });
  });

  it('reads a custom_tool_call (code mode) as {input: text} and joins its output parts', () => {
    const request: ResponsesRequest = {
      input: [
        {
          type: 'additional_tools',
          role: 'developer',
          tools: [
            { type: 'namespace', name: 'functions', tools: [{ type: 'custom', name: 'exec' }] },
          ],
        },
        ...prompt,
        { type: 'reasoning' },
        { type: 'custom_tool_call', name: 'exec', input: 'text(1)', call_id: 'call_2' },
        {
          type: 'custom_tool_call_output',
          call_id: 'call_2',
          output: [
            { type: 'input_text', text: 'Script completed' },
            { type: 'input_text', text: 'Process exited with code 7' },
          ],
        },
      ],
    };
    const turn = latestResponsesTurn(request);
    assert.equal(turn.assistantTurns, 1, 'reasoning and its call are one assistant turn');
    assert.deepEqual(turn.toolNames, ['exec']);
    assert.deepEqual(turn.toolResult, {
      text: 'Script completed\nProcess exited with code 7',
      isError: true,
      tool: { name: 'exec', input: { input: 'text(1)' } },
    });
  });

  it('sees a resumed session: old turns counted, the new prompt carries no tool result', () => {
    const done: ResponsesItem = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'done' }],
    };
    const turn = latestResponsesTurn({
      input: [...prompt, call, output, done, user('Fetch it again.')],
      tools: functionTools,
    });
    assert.equal(turn.assistantTurns, 2);
    assert.equal(turn.userText, 'Fetch it again.');
    assert.equal(turn.toolResult, undefined);
  });

  it('keeps an output whose call is not in the history, without a tool', () => {
    const turn = latestResponsesTurn({ input: [...prompt, { ...call, call_id: 'other' }, output] });
    assert.deepEqual(turn.toolResult, { text: output.output, isError: false });
  });
});

describe('offeredTools and isResponsesAgentLoop', () => {
  it('flattens namespaces in tools and in additional_tools items, with each type', () => {
    assert.deepEqual(
      offeredTools({
        tools: [{ type: 'function', name: 'a' }],
        input: [
          {
            type: 'additional_tools',
            tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'custom', name: 'b' }] }],
          },
        ],
      }),
      [
        { name: 'a', type: 'function' },
        { name: 'b', type: 'custom' },
      ],
    );
  });

  it('calls a request without tools a side call', () => {
    assert.equal(isResponsesAgentLoop({ input: prompt }), false);
    assert.equal(isResponsesAgentLoop({ input: prompt, tools: [{ type: 'web_search' }] }), false);
    assert.equal(isResponsesAgentLoop({ input: prompt, tools: functionTools }), true);
  });
});

describe('exitedNonZero', () => {
  const table: [string, boolean][] = [
    ['Process exited with code 0\nOutput:\nok', false],
    ['Chunk ID: x\nProcess exited with code 22\nOutput:\n', true],
    ['the text says Process exited with code 1 mid-line', false],
    ['no header at all', false],
  ];
  for (const [text, expected] of table) {
    it(JSON.stringify(text), () => assert.equal(exitedNonZero(text), expected));
  }
});
