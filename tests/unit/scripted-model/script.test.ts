import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isAgentLoop,
  latestTurn,
  type Message,
  type MessagesRequest,
} from '../../fixtures/scripted-model/conversation.js';
import { holds, selectStep, type Script } from '../../fixtures/scripted-model/script.js';

const TOOLS = [{ name: 'Bash' }];

/** A conversation as Claude Code sends it: prompt, then assistant tool_use / user tool_result pairs. */
function conversation(
  ...results: { tool: string; input: unknown; result: string; isError?: boolean }[]
): MessagesRequest {
  const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'Do the task.' }] }];
  results.forEach((call, i) => {
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: `toolu_${i}`, name: call.tool, input: call.input }],
    });
    messages.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: `toolu_${i}`,
          content: [{ type: 'text', text: call.result }],
          ...(call.isError ? { is_error: true } : {}),
        },
        { type: 'text', text: '<system-reminder>noise</system-reminder>' },
      ],
    });
  });
  return { model: 'm', stream: true, tools: TOOLS, messages };
}

const script: Script = {
  name: 'test',
  steps: [
    { name: 'failed', when: { tool: 'Bash', is_error: true }, reply: { text: 'it failed' } },
    {
      name: 'finish',
      when: { tool: 'Bash', result_matches: '/^HELLO/i' },
      reply: { text: 'done' },
    },
    {
      name: 'echo',
      when: { first_turn: true },
      reply: { tool_use: { name: 'Bash', input: { command: 'echo hello', description: 'greet' } } },
    },
  ],
};

describe('latestTurn', () => {
  it('finds the last tool_result of the latest user message and the call it answers', () => {
    const turn = latestTurn(
      conversation(
        { tool: 'Read', input: { file_path: '/a' }, result: 'first' },
        { tool: 'Bash', input: { command: 'echo hello' }, result: 'hello' },
      ),
    );
    assert.deepEqual(turn.toolResult, {
      text: 'hello',
      isError: false,
      tool: { name: 'Bash', input: { command: 'echo hello' } },
    });
    assert.equal(turn.assistantTurns, 2);
    assert.deepEqual(turn.toolNames, ['Bash']);
  });

  it('reads string content and skips role "system" entries that Claude Code puts in messages', () => {
    const request = conversation({ tool: 'Bash', input: {}, result: 'x' });
    request.messages!.push({ role: 'system' as 'user', content: 'Note: a file changed on disk' });
    request.messages![2] = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: 'plain string' }],
    };
    assert.equal(latestTurn(request).toolResult?.text, 'plain string');
  });

  it('a prompt without a tool_result is a first turn, whatever came before', () => {
    const request = conversation({ tool: 'Bash', input: {}, result: 'hello' });
    request.messages!.push({ role: 'assistant', content: [{ type: 'text', text: 'done' }] });
    request.messages!.push({ role: 'user', content: 'and once more' });
    const turn = latestTurn(request);
    assert.equal(turn.toolResult, undefined);
    assert.equal(turn.userText, 'and once more');
  });

  it('tells the agent loop (tools offered) from side calls (none)', () => {
    assert.equal(isAgentLoop(conversation()), true);
    assert.equal(isAgentLoop({ messages: [{ role: 'user', content: 'title this' }] }), false);
    assert.equal(isAgentLoop({ tools: [], messages: [] }), false);
  });
});

describe('selectStep', () => {
  const cases: [string, MessagesRequest, string | null][] = [
    ['the prompt', conversation(), 'echo'],
    [
      'a matching tool result',
      conversation({ tool: 'Bash', input: {}, result: 'hello\n' }),
      'finish',
    ],
    [
      'an error result, even one that matches a later step',
      conversation({ tool: 'Bash', input: {}, result: 'hello', isError: true }),
      'failed',
    ],
    ['a result no step expects', conversation({ tool: 'Bash', input: {}, result: 'bye' }), null],
    [
      'a result from another tool',
      conversation({ tool: 'Read', input: {}, result: 'hello' }),
      null,
    ],
  ];
  for (const [what, request, expected] of cases) {
    it(`${what} → ${expected ?? 'no step'}`, () => {
      const selection = selectStep(script, latestTurn(request));
      assert.equal(selection.matched ? selection.step.name : null, expected);
    });
  }

  it('is stateless: a retry or a re-sent history gets the same step again', () => {
    const request = conversation({ tool: 'Bash', input: {}, result: 'hello' });
    const names = [1, 2, 3].map(() => {
      const s = selectStep(script, latestTurn(structuredClone(request)));
      return s.matched ? s.step.name : null;
    });
    assert.deepEqual(names, ['finish', 'finish', 'finish']);
  });

  it('an unmatched turn ends the turn with text naming the result and every step', () => {
    const selection = selectStep(
      script,
      latestTurn(conversation({ tool: 'Bash', input: {}, result: 'bye' })),
    );
    assert.equal(selection.matched, false);
    assert.equal(selection.reply.tool_use, undefined);
    assert.match(
      selection.reply.text ?? '',
      /no step of script "test" matches a tool_result from Bash: "bye"/,
    );
    assert.match(selection.reply.text ?? '', /- echo \(when first_turn=true\)/);
  });

  it('computes a reply from the turn when the step gives a function', () => {
    const computed: Script = {
      name: 'c',
      steps: [
        {
          name: 'upper',
          when: () => true,
          reply: (turn) => ({ text: (turn.toolResult?.text ?? '').toUpperCase() }),
        },
      ],
    };
    const selection = selectStep(
      computed,
      latestTurn(conversation({ tool: 'Bash', input: {}, result: 'abc' })),
    );
    assert.deepEqual(selection.reply, { text: 'ABC' });
  });
});

describe('holds', () => {
  const turn = latestTurn(
    conversation({ tool: 'Bash', input: { command: 'curl https://x.test/a' }, result: 'HTTP 403' }),
  );
  const table: [object, boolean][] = [
    [{}, true],
    [{ input_matches: 'curl .*x\\.test' }, true],
    [{ input_matches: 'wget' }, false],
    [{ result_not_matches: '200' }, true],
    [{ result_not_matches: '403' }, false],
    [{ first_turn: false, tool: 'Bash', result_matches: '/http 403/i' }, true],
    [{ first_turn: true }, false],
    [{ user_text_matches: 'system-reminder' }, true],
  ];
  for (const [when, expected] of table) {
    it(`${JSON.stringify(when)} → ${expected}`, () => assert.equal(holds(when, turn), expected));
  }
});
