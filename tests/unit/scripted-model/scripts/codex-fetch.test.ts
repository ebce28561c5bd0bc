import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Turn } from '../../../fixtures/scripted-model/conversation.js';
import { selectStep } from '../../../fixtures/scripted-model/script.js';
import { loadScript } from '../../../fixtures/scripted-model/script-file.js';
import { codexFetch } from '../../../fixtures/scripted-model/scripts/codex-fetch.js';
import { shellCall } from '../../../fixtures/scripted-model/scripts/shell-call.js';

const URL = 'https://api.example.test/hello';
const CURL = `curl -sS -w '\\nHTTP %{http_code}\\n' ${URL}`;
const script = codexFetch();

const first = (toolNames: string[]): Turn => ({
  userText: 'Fetch it.',
  assistantTurns: 0,
  toolNames,
});
function after(tool: string, input: unknown, text: string): Turn {
  return {
    userText: '',
    assistantTurns: 1,
    toolNames: [tool],
    toolResult: { text, isError: false, tool: { name: tool, input } },
  };
}
function step(turn: Turn): { name: string | null; reply: unknown } {
  const selection = selectStep(script, turn);
  return { name: selection.matched ? selection.step.name : null, reply: selection.reply };
}

describe('the codex-fetch script', () => {
  it('curls through exec_command, then says done on HTTP 200', () => {
    assert.deepEqual(step(first(['exec_command', 'write_stdin'])), {
      name: 'curl',
      reply: { tool_use: { name: 'exec_command', input: { cmd: CURL } } },
    });
    const output = 'Process exited with code 0\nOutput:\nhello\n\nHTTP 200\n';
    assert.deepEqual(step(after('exec_command', { cmd: CURL }, output)), {
      name: 'done',
      reply: { text: 'done' },
    });
  });

  it('in code mode, sends JavaScript for the exec tool that runs the same command', () => {
    const { name, reply } = step(first(['exec', 'wait', 'sleep']));
    assert.equal(name, 'curl');
    const call = (reply as { tool_use: { name: string; input: { input: string } } }).tool_use;
    assert.equal(call.name, 'exec');
    assert.match(call.input.input, /^const result = await tools\.exec_command\(/);
    assert.ok(call.input.input.includes(JSON.stringify({ cmd: CURL })));
    const output = 'Script completed\nhello\n\nHTTP 200\nProcess exited with code 0';
    assert.equal(step(after('exec', call.input, output)).name, 'done');
  });

  it('ends with a text quoting the result when it is not HTTP 200', () => {
    const { name, reply } = step(after('exec_command', { cmd: CURL }, 'Output:\nnope\nHTTP 403\n'));
    assert.equal(name, 'failed');
    assert.match((reply as { text: string }).text, /did not answer HTTP 200[\s\S]*HTTP 403/);
    // A 200 from another command is not the fetch.
    assert.equal(step(after('exec_command', { cmd: 'curl other' }, 'HTTP 200')).name, 'failed');
  });

  it('takes the URL from the builtin option', async () => {
    const custom = await loadScript('builtin:codex-fetch?url=http://127.0.0.1:8/x');
    const selection = selectStep(custom, first(['exec_command']));
    assert.match(JSON.stringify(selection.reply), /curl -sS .* http:\/\/127\.0\.0\.1:8\/x/);
  });
});

describe('shellCall', () => {
  const table: [string[], unknown][] = [
    [['Bash'], { tool_use: { name: 'Bash', input: { command: 'ls', description: 'List' } } }],
    [['shell_command'], { tool_use: { name: 'shell_command', input: { command: 'ls' } } }],
    [['shell'], { tool_use: { name: 'shell', input: { command: ['bash', '-lc', 'ls'] } } }],
    [['exec', 'exec_command'], { tool_use: { name: 'exec_command', input: { cmd: 'ls' } } }],
  ];
  for (const [tools, reply] of table) {
    it(`uses ${tools.join(', ')}`, () => {
      assert.deepEqual(shellCall(first(tools), 'ls', 'List'), reply);
    });
  }

  it('says so when no shell tool is offered', () => {
    const reply = shellCall(first(['view_image']), 'ls', 'List');
    assert.match(reply.text ?? '', /no shell tool among the offered tools \(view_image\)/);
  });
});
