import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../../../images/egress-proxy/routes/parse.js';
import type { Proposal } from '../../../../mcp/queue/schema.js';
import type { ProposalView } from '../../../../supervisor/queue/proposals.js';
import { SupervisorModel } from '../../../../supervisor/tui/view-model.js';

const NOW = new Date('2026-12-04T10:00:00.000Z');
const LIVE = 'routes:\n  - host: api.example.test\n    paths: [/hello]\n';

function view(
  tool: 'egress-proxy-block' | 'capability-block' | 'egress-token-allow',
): ProposalView {
  const base = {
    v: 1 as const,
    justification: 'need it',
    created_at: NOW.toISOString(),
  };
  const proposal: Proposal =
    tool === 'egress-proxy-block'
      ? {
          ...base,
          id: 'agent-20261204T100000Z-00000001',
          tool,
          payload: {
            routes_yaml: LIVE.replace('[/hello]', '[/hello, /w]'),
            base_sha256: sha256(LIVE),
          },
        }
      : tool === 'capability-block'
        ? {
            ...base,
            id: 'agent-20261204T100000Z-00000002',
            tool,
            payload: { dockerfile: 'FROM x\nRUN true\n', base_sha256: sha256('FROM x\n') },
          }
        : {
            ...base,
            id: 'egress-proxy-20261204T100000Z-00000003',
            tool,
            expires_at: new Date(NOW.getTime() + 60_000).toISOString(),
            payload: {
              host: 'api.example.test',
              method: 'POST',
              path: '/up',
              detector: 'github-pat',
              redacted_context: 'token=ghp_****',
              value_sha256: 'a'.repeat(64),
            },
          };
  return {
    slug: 'b',
    source: tool === 'egress-token-allow' ? 'egress-proxy' : 'agent',
    status: 'pending',
    proposal,
    queued: true,
  };
}

function model(v: ProposalView): SupervisorModel {
  const m = new SupervisorModel(() => NOW);
  m.update([
    {
      slug: 'b',
      agent: 'a',
      branch: null,
      status: 'running',
      proposals: [v],
      live: { routes: { text: LIVE, sha256: sha256(LIVE) } },
      skipped: [],
    },
  ]);
  return m;
}

describe('SupervisorModel: g approves for a time', () => {
  it('asks for how long, then decides with that lifetime', () => {
    const m = model(view('egress-proxy-block'));
    assert.match(m.footer(), /g for how long/);
    const ask = m.key('g');
    assert.equal(ask.kind, 'ask-lifetime');
    if (ask.kind !== 'ask-lifetime') return;
    assert.deepEqual(m.lifetimeGiven(ask.target, ' 30m '), {
      kind: 'decide',
      target: ask.target,
      action: 'approve',
      lifetime: { kind: 'for', ms: 1_800_000 },
    });
    assert.deepEqual(m.lifetimeGiven(ask.target, 'once'), {
      kind: 'decide',
      target: ask.target,
      action: 'approve',
      lifetime: { kind: 'once' },
    });
    assert.deepEqual(m.lifetimeGiven(ask.target, ''), {
      kind: 'decide',
      target: ask.target,
      action: 'approve',
      lifetime: { kind: 'bottle' },
    });
  });

  it('refuses an answer it cannot read; permanent goes to the manifest diff first', () => {
    const m = model(view('egress-proxy-block'));
    const ask = m.key('g');
    if (ask.kind !== 'ask-lifetime') throw new Error('expected ask-lifetime');
    assert.equal(m.lifetimeGiven(ask.target, 'soon').kind, 'none');
    assert.match(m.notice!.text, /--for takes a duration/);
    assert.deepEqual(m.lifetimeGiven(ask.target, 'permanent'), {
      kind: 'plan-permanent',
      target: ask.target,
    });
    const token = model(view('egress-token-allow'));
    const asked = token.key('g');
    if (asked.kind !== 'ask-lifetime') throw new Error('expected ask-lifetime');
    assert.equal(token.lifetimeGiven(asked.target, 'permanent').kind, 'none');
    assert.match(token.notice!.text, /never written to the manifest/);
  });

  it('a token allowance asks why after the lifetime, and keeps the lifetime', () => {
    const m = model(view('egress-token-allow'));
    const ask = m.key('g');
    if (ask.kind !== 'ask-lifetime') throw new Error('expected ask-lifetime');
    const why = m.lifetimeGiven(ask.target, 'once');
    assert.equal(why.kind, 'ask-reason');
    if (why.kind !== 'ask-reason') return;
    assert.deepEqual(why.lifetime, { kind: 'once' });
    assert.deepEqual(m.reasonGiven(why.target, why.action, 'a test token', why.lifetime), {
      kind: 'decide',
      target: why.target,
      action: 'approve',
      reason: 'a test token',
      lifetime: { kind: 'once' },
    });
  });

  it('a Dockerfile change cannot be time-boxed: g says so and decides nothing', () => {
    const m = model(view('capability-block'));
    assert.doesNotMatch(m.footer(), /g for how long/);
    assert.equal(m.key('g').kind, 'none');
    assert.match(m.notice!.text, /cannot be time-boxed/);
  });
});
