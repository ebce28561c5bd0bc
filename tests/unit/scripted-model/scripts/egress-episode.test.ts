import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeRefusalBody } from '../../../../images/egress-proxy/explain.js';
import { RESUME_PROMPT } from '../../../../launcher/plan/agent-runtime.js';
import type { Turn } from '../../../fixtures/scripted-model/conversation.js';
import { selectStep, toRegExp } from '../../../fixtures/scripted-model/script.js';
import {
  AWAIT_TOOL,
  egressEpisode,
  PROPOSE_TOOL,
  RESUMED_PATTERN,
} from '../../../fixtures/scripted-model/scripts/egress-episode.js';

const URL = 'https://api.example.test/other';
const ROUTES = 'routes:\n  - host: api.example.test\n    paths: [/allowed]\n';
const CURL = `curl -sS -w '\\nHTTP %{http_code}\\n' ${URL}`;
const script = egressEpisode();

function after(tool: string, input: unknown, text: string): Turn {
  return {
    userText: '',
    assistantTurns: 1,
    toolNames: ['Bash'],
    toolResult: { text, isError: false, tool: { name: tool, input } },
  };
}

function step(turn: Turn): { name: string | null; reply: unknown } {
  const selection = selectStep(script, turn);
  return { name: selection.matched ? selection.step.name : null, reply: selection.reply };
}

const outcome = (status: string, applied = status === 'approved') =>
  JSON.stringify({ proposal_id: 'agent-20261201T000000Z-0123abcd', status, reason: 'r', applied });

describe('the egress episode script', () => {
  it('walks curl → read-routes → propose → retry → done', () => {
    const first: Turn = { userText: 'Fetch it.', assistantTurns: 0, toolNames: ['Bash'] };
    assert.deepEqual(step(first), {
      name: 'curl',
      reply: {
        tool_use: {
          name: 'Bash',
          input: { command: CURL, description: 'Fetch the URL through the egress proxy' },
        },
      },
    });
    const refused = `${routeRefusalBody(`GET ${URL}`, 'no route allows /other')}\nHTTP 403\n`;
    assert.equal(step(after('Bash', { command: CURL }, refused)).name, 'read-routes');
    const propose = step(
      after('Bash', { command: 'cat /etc/claude-bottle/current-config/routes.yaml' }, ROUTES),
    );
    assert.equal(propose.name, 'propose');
    const input = (
      propose.reply as {
        tool_use: { name: string; input: { routes_yaml: string; justification: string } };
      }
    ).tool_use;
    assert.equal(input.name, PROPOSE_TOOL);
    assert.match(input.input.routes_yaml, /paths: \[ \/allowed, \/other \]/);
    assert.match(input.input.justification, /api\.example\.test\/other/);
    assert.equal(step(after(PROPOSE_TOOL, input.input, outcome('approved'))).name, 'retry');
    assert.deepEqual(step(after('Bash', { command: CURL }, 'ok\nHTTP 200\n')), {
      name: 'done',
      reply: { text: 'done' },
    });
  });

  it('treats a CONNECT refusal (no body, curl says "response 403") as a refusal too', () => {
    assert.equal(
      step(
        after(
          'Bash',
          { command: CURL },
          'curl: (56) CONNECT tunnel failed, response 403\nHTTP 000',
        ),
      ).name,
      'read-routes',
    );
  });

  const outcomes: [string, string, string][] = [
    ['structured approved', outcome('approved'), 'retry'],
    [
      'text approved',
      'Proposal agent-1 was approved: ok. The new routes are live: retry the request.',
      'retry',
    ],
    ['approved but not applied', outcome('approved', false), 'refused'],
    [
      'text approved but not applied',
      'Proposal agent-1 was approved but could not be applied: stale base.',
      'refused',
    ],
    ['rejected', outcome('rejected'), 'refused'],
    ['superseded', outcome('superseded'), 'refused'],
    ['pending', outcome('pending'), 'await'],
    ['text pending', 'Proposal agent-1 is still awaiting the operator: no decision yet.', 'await'],
  ];
  for (const [what, text, expected] of outcomes) {
    it(`${what} → ${expected}`, () =>
      assert.equal(step(after(PROPOSE_TOOL, {}, text)).name, expected));
  }

  it('keeps waiting with await-proposal on the proposal id, and retries when that approves', () => {
    const wait = step(after(AWAIT_TOOL, {}, outcome('pending')));
    assert.deepEqual(wait.reply, {
      tool_use: { name: AWAIT_TOOL, input: { proposal_id: 'agent-20261201T000000Z-0123abcd' } },
    });
    assert.equal(step(after(AWAIT_TOOL, {}, outcome('approved'))).name, 'retry');
  });

  it('an unexpected result ends the turn with an explanation rather than a guess', () => {
    assert.equal(step(after('Bash', { command: CURL }, 'HTTP 502')).name, null);
  });

  it("on the launcher's resume prompt retries the curl, even beside an interrupted call", () => {
    assert.match(RESUME_PROMPT, toRegExp(RESUMED_PATTERN));
    const interrupted: Turn = {
      ...after(PROPOSE_TOOL, { routes_yaml: ROUTES }, '[Request interrupted by user for tool use]'),
      userText: RESUME_PROMPT,
      assistantTurns: 3,
    };
    assert.equal(step(interrupted).name, 'resumed');
    assert.equal(
      step({ userText: RESUME_PROMPT, assistantTurns: 3, toolNames: [] }).name,
      'resumed',
    );
  });
});
