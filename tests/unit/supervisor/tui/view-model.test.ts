import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../../../images/egress-proxy/routes/parse.js';
import type { Proposal } from '../../../../mcp/queue/schema.js';
import type { ProposalView } from '../../../../supervisor/queue/proposals.js';
import type { Effect } from '../../../../supervisor/tui/effects.js';
import type { BottleSnapshot } from '../../../../supervisor/tui/snapshot.js';
import { SupervisorModel } from '../../../../supervisor/tui/view-model.js';

const NOW = new Date('2026-11-24T22:00:00.000Z');
const LIVE = 'routes:\n  - host: api.example.test\n    paths: [/hello]\n    methods: [GET]\n';
// eslint-disable-next-line no-control-regex
const OBEYABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;

let counter = 0;
function idFor(source: 'agent' | 'egress-proxy', secondsAgo: number): string {
  const stamp = new Date(NOW.getTime() - secondsAgo * 1000)
    .toISOString()
    .replace(/[-:]|\.\d+/g, '');
  return `${source}-${stamp}-${(counter++).toString(16).padStart(8, '0')}`;
}

function routes(secondsAgo: number, justification = 'need /world'): ProposalView {
  const proposal: Proposal = {
    v: 1,
    id: idFor('agent', secondsAgo),
    tool: 'egress-proxy-block',
    justification,
    created_at: new Date(NOW.getTime() - secondsAgo * 1000).toISOString(),
    payload: {
      routes_yaml: LIVE.replace('[/hello]', '[/hello, /world]'),
      base_sha256: sha256(LIVE),
    },
  };
  return { slug: 'bottle-a', source: 'agent', status: 'pending', proposal, queued: true };
}

function gitleaks(secondsAgo: number): ProposalView {
  const finding = {
    v: 1 as const,
    id: 'f-0123456789abcdef',
    remote: 'origin',
    rule: 'github-pat',
    file: 'src/{bold}cfg\x1b[2J.ts',
    line: 12,
    commit: 'abc123',
    fingerprint: 'abc123:src/cfg.ts:github-pat:12',
    redacted: 'ghp_****',
    created_at: NOW.toISOString(),
  };
  const proposal: Proposal = {
    v: 1,
    id: idFor('agent', secondsAgo),
    tool: 'gitleaks-allow',
    justification: 'a test fixture, not a real token',
    created_at: new Date(NOW.getTime() - secondsAgo * 1000).toISOString(),
    payload: { finding_ids: [finding.id], findings: [finding] },
  };
  // What bottleProposals attaches: git-gate's own record, read from its findings folder.
  return {
    slug: 'bottle-a',
    source: 'agent',
    status: 'pending',
    proposal,
    queued: true,
    gateFindings: [finding],
  };
}

function token(secondsAgo: number, expiresInSeconds: number): ProposalView {
  const proposal: Proposal = {
    v: 1,
    id: idFor('egress-proxy', secondsAgo),
    tool: 'egress-token-allow',
    justification: 'token-shaped value in a request',
    created_at: new Date(NOW.getTime() - secondsAgo * 1000).toISOString(),
    expires_at: new Date(NOW.getTime() + expiresInSeconds * 1000).toISOString(),
    payload: {
      host: 'api.example.test',
      method: 'POST',
      path: '/up\u202eload',
      detector: 'github-pat',
      redacted_context: 'token=ghp_****',
      value_sha256: 'a'.repeat(64),
    },
  };
  return { slug: 'bottle-a', source: 'egress-proxy', status: 'pending', proposal, queued: true };
}

function bottle(proposals: ProposalView[], slug = 'bottle-a'): BottleSnapshot {
  return {
    slug,
    agent: 'scripted',
    branch: 'cb/scripted',
    status: 'running',
    proposals: proposals.map((view) => ({ ...view, slug })),
    live: { routes: { text: LIVE, sha256: sha256(LIVE) } },
    skipped: [],
  };
}

function model(...views: ProposalView[]): SupervisorModel {
  const m = new SupervisorModel(() => NOW);
  m.update([bottle(views)]);
  return m;
}

const idOf = (effect: Effect): string | undefined =>
  'target' in effect ? effect.target.id : undefined;

describe('SupervisorModel: what is shown', () => {
  it('shows hostile agent text literally and never as something a terminal obeys', () => {
    const hostile =
      'see {red-fg}x{/} and {bold}blessed tags{/bold}\x1b[2J\x1b]0;pwned\x07 \u202eevil';
    const m = model(routes(5, hostile));
    const detail = m.detailLines().map((l) => l.text);
    assert.ok(detail.some((t) => t.includes('{bold}blessed tags{/bold}')));
    assert.ok(detail.some((t) => t.includes('{red-fg}x{/}')));
    const everything = [
      ...detail,
      ...m.proposalRows().map((r) => r.text),
      ...m.bottleRows().map((r) => r.text),
      m.title(),
      m.footer(),
    ];
    for (const text of everything) assert.ok(!OBEYABLE.test(text), JSON.stringify(text));
  });

  it("labels the agent's words as unverified and shows the diff against the live file", () => {
    const detail = model(routes(5)).detailLines();
    const words = detail.findIndex((l) => l.text === "AGENT'S WORDS, UNVERIFIED:");
    assert.ok(words >= 0);
    assert.equal(detail[words]!.style, 'untrusted');
    assert.equal(detail[words + 1]!.text, '  need /world');
    assert.ok(detail.some((l) => l.style === 'diff-del' && l.text === '-    paths: [/hello]'));
    assert.ok(
      detail.some((l) => l.style === 'diff-add' && l.text === '+    paths: [/hello, /world]'),
    );
  });

  it('warns when the live file moved on since the proposal was made', () => {
    const view = routes(5);
    const m = new SupervisorModel(() => NOW);
    const moved = 'routes: []\n';
    m.update([{ ...bottle([view]), live: { routes: { text: moved, sha256: sha256(moved) } } }]);
    assert.ok(
      m.detailLines().some((l) => l.style === 'warning' && /refused as stale/.test(l.text)),
    );
  });

  it("shows the supervisor's analysis, styled by level", () => {
    const detail = model(routes(5)).detailLines();
    assert.ok(detail.some((l) => /^ANALYSIS BY THE SUPERVISOR/.test(l.text)));
    assert.ok(
      detail.some((l) =>
        /^ {2}INFO +api\.example\.test: GET on \/world newly allowed/.test(l.text),
      ),
    );
  });

  it("shows git-gate's trusted report for gitleaks-allow, made safe", () => {
    const detail = model(gitleaks(5)).detailLines();
    assert.ok(detail.some((l) => l.style === 'trusted' && /GIT-GATE/.test(l.text)));
    const finding = detail.find((l) => l.text.includes('github-pat'))!;
    assert.match(finding.text, /src\/\{bold\}cfg\\u\{1b\}.*\.ts:12/);
    assert.ok(detail.some((l) => l.text.includes('redacted: ghp_****')));
  });

  it("warns when the proposal's copies of the findings differ from git-gate's records", () => {
    const view = {
      ...gitleaks(5),
      findingsProblem: "the proposal's copies of the findings differ",
    };
    const detail = model(view).detailLines();
    assert.ok(
      detail.some((l) => l.style === 'warning' && /copies of the findings differ/.test(l.text)),
    );
  });

  it("shows the proxy's report and the seconds left for a held request", () => {
    const detail = model(token(5, 42)).detailLines();
    assert.equal(detail[0]!.text, 'HELD REQUEST: refused in 42s (42s) unless approved');
    assert.ok(detail.some((l) => l.text.includes('POST api.example.test/up\\u{202e}load')));
    assert.ok(detail.some((l) => /THE EGRESS PROXY'S NOTE/.test(l.text)));
    assert.ok(!detail.some((l) => /AGENT'S WORDS/.test(l.text)));
  });

  it('lists bottles and proposals newest first, with the pending count in the title', () => {
    const m = new SupervisorModel(() => NOW);
    m.update([bottle([routes(120)]), bottle([gitleaks(30), token(5, 60)], 'bottle-b')]);
    assert.equal(m.title(), 'claude-bottle supervise — 3 pending · 2 bottles');
    const rows = m.proposalRows();
    assert.match(rows[0]!.text, /egress-token-allow +bottle-b +5s/);
    assert.match(rows[2]!.text, /egress-proxy-block +bottle-a +2m +“need \/world”/);
    assert.ok(rows[0]!.selected);
    assert.match(m.bottleRows()[0]!.text, /all bottles · 3 pending/);
    assert.match(m.bottleRows()[2]!.text, /^bottle-b +scripted +cb\/scripted +running +2 pending/);
  });
});

describe('SupervisorModel: selection is pinned to a proposal id', () => {
  it('a proposal arriving above the cursor never takes the keypress, and rings the bell', () => {
    const older = routes(60);
    const m = model(older);
    const arriving = routes(1, 'arrived just now');
    const update = m.update([bottle([arriving, older])]);
    assert.equal(update.bell, true);
    assert.deepEqual(
      update.arrived.map((v) => v.proposal.id),
      [arriving.proposal.id],
    );
    assert.equal(m.proposalRows()[0]!.selected, false);
    assert.equal(m.proposalRows()[1]!.selected, true);
    const effect = m.key('a');
    assert.equal(effect.kind, 'decide');
    assert.equal(idOf(effect), older.proposal.id);
  });

  it('the first load rings no bell', () => {
    const m = new SupervisorModel(() => NOW);
    assert.deepEqual(m.update([bottle([routes(5)])]), { bell: false, arrived: [] });
  });

  it('selects the neighbour when the selected one goes; the next action key only confirms', () => {
    const [c, b, a] = [routes(10), routes(20), routes(30)];
    const m = model(c, b, a);
    m.key('j');
    assert.equal(m.selected()?.proposal.id, b.proposal.id);
    m.update([bottle([c, a])]);
    assert.equal(m.selected()?.proposal.id, a.proposal.id);
    assert.equal(m.key('a').kind, 'none');
    assert.match(m.notice!.text, /selection moved to egress-proxy-block .*press a again/);
    assert.equal(idOf(m.key('a')), a.proposal.id);
  });

  it('falls back to the one above when the last one goes', () => {
    const [c, b] = [routes(10), routes(20)];
    const m = model(c, b);
    m.key('down');
    m.update([bottle([c])]);
    assert.equal(m.selected()?.proposal.id, c.proposal.id);
  });

  it('a proposal arriving into an empty list is selected but must be confirmed', () => {
    const m = model();
    const first = routes(1);
    m.update([bottle([first])]);
    assert.equal(m.key('r').kind, 'none');
    assert.equal(m.key('r').kind, 'ask-reason');
  });

  it('moving with the arrows clears the moved flag', () => {
    const [c, b, a] = [routes(10), routes(20), routes(30)];
    const m = model(c, b, a);
    m.key('j');
    m.update([bottle([c, a])]);
    m.key('k');
    assert.equal(m.selected()?.proposal.id, c.proposal.id);
    assert.equal(m.key('a').kind, 'decide');
  });
});

describe('SupervisorModel: keys', () => {
  it('report-only tools: m is unavailable and a asks for a reason', () => {
    const m = model(gitleaks(5));
    assert.match(m.footer(), /a approve \(asks why\).*m n\/a \(report-only\)/);
    assert.equal(m.key('m').kind, 'none');
    assert.match(m.notice!.text, /report-only: m is not available/);
    const ask = m.key('a');
    assert.equal(ask.kind, 'ask-reason');
    if (ask.kind !== 'ask-reason') return;
    assert.equal(m.reasonGiven(ask.target, ask.action, '   ').kind, 'none');
    const decided = m.reasonGiven(ask.target, ask.action, ' fixture ');
    assert.deepEqual(decided, {
      kind: 'decide',
      target: ask.target,
      action: 'approve',
      reason: 'fixture',
    });
  });

  it('r always asks the reason the agent will read; a approves a full-file proposal at once', () => {
    const m = model(routes(5));
    assert.match(m.footer(), /a approve {2}· {2}m modify {2}· {2}r reject/);
    const reject = m.key('r');
    assert.equal(reject.kind, 'ask-reason');
    assert.equal(m.key('a').kind, 'decide');
  });

  it('a reason typed for a proposal that went meanwhile decides nothing', () => {
    const view = routes(5);
    const m = model(view);
    const ask = m.key('r');
    m.update([bottle([])]);
    if (ask.kind !== 'ask-reason') throw new Error('expected ask-reason');
    assert.equal(m.reasonGiven(ask.target, 'reject', 'no').kind, 'none');
    assert.match(m.notice!.text, /no longer pending/);
  });

  it('a held request past its deadline cannot be decided', () => {
    const m = model(token(5, -1));
    assert.equal(m.key('a').kind, 'none');
    assert.match(m.notice!.text, /expired/);
  });

  it('m opens the proposed file; an unchanged save is a no-op; an invalid one keeps the draft', () => {
    const view = routes(5);
    const m = model(view);
    const edit = m.key('m');
    assert.equal(edit.kind, 'edit');
    if (edit.kind !== 'edit') return;
    assert.equal(edit.fileName, 'routes.yaml');
    assert.equal(
      edit.text,
      view.proposal.tool === 'egress-proxy-block' ? view.proposal.payload.routes_yaml : '',
    );
    assert.equal(m.edited(edit.target, edit.text).kind, 'none');
    assert.match(m.notice!.text, /unchanged/);
    assert.equal(m.edited(edit.target, 'routes: [oops').kind, 'none');
    assert.match(m.notice!.text, /ROUTES_INVALID.*m edits your draft again/);
    const again = m.key('m');
    assert.equal(again.kind === 'edit' && again.text, 'routes: [oops');
  });

  it('a valid edit is shown as a diff to confirm before it is applied', () => {
    const m = model(routes(5));
    const edit = m.key('m');
    if (edit.kind !== 'edit') throw new Error('expected edit');
    const text = edit.text.replace('/world', '/earth');
    const confirm = m.edited(edit.target, text);
    assert.equal(confirm.kind, 'confirm');
    if (confirm.kind !== 'confirm') return;
    assert.ok(confirm.lines.some((l) => l.text === '+    paths: [/hello, /earth]'));
    assert.deepEqual(confirm.yes, {
      kind: 'decide',
      target: edit.target,
      action: 'approve',
      editedText: text,
    });
  });

  it('Tab moves the focus; arrows then move bottles, proposals or scroll the detail', () => {
    const m = new SupervisorModel(() => NOW);
    m.update([bottle([routes(20)]), bottle([routes(10)], 'bottle-b')]);
    assert.equal(m.focus, 'proposals');
    m.key('tab');
    assert.equal(m.focus, 'detail');
    assert.deepEqual(m.key('j'), { kind: 'scroll', by: 'line', direction: 1 });
    m.key('tab');
    assert.equal(m.focus, 'bottles');
    m.key('j');
    assert.deepEqual(
      m.visible().map((v) => v.slug),
      ['bottle-a'],
    );
    assert.ok(m.bottleRows()[1]!.selected);
    assert.deepEqual(m.key('l'), { kind: 'proxy-log', slug: 'bottle-a' });
    m.key('S-tab');
    assert.equal(m.focus, 'detail');
  });

  it('? is help; q quits, but asks twice while a decision runs', () => {
    const view = routes(5);
    const m = model(view);
    assert.equal(m.key('?').kind, 'help');
    const target = { id: view.proposal.id, slug: 'bottle-a', tool: view.proposal.tool };
    m.decisionStarted(target, 'approving');
    assert.equal(m.key('a').kind, 'none');
    assert.match(m.notice!.text, /already approving/);
    assert.equal(m.key('q').kind, 'none');
    assert.equal(m.key('q').kind, 'quit');
    m.decisionFinished(target, { ok: true, message: 'approved: live' });
    assert.equal(m.key('q').kind, 'quit');
  });

  it('reports a refused decision with its code, and engine progress, made safe', () => {
    const view = routes(5);
    const m = model(view);
    const target = { id: view.proposal.id, slug: 'bottle-a', tool: view.proposal.tool };
    m.decisionStarted(target, 'approving');
    m.log('  step 1/3 : RUN echo \x1b[31mred\x1b[0m');
    m.decisionFinished(target, {
      ok: false,
      code: 'PROPOSAL_STALE',
      message: 'live file moved',
      hint: 'propose again',
    });
    assert.equal(m.notice!.level, 'error');
    assert.match(m.notice!.text, /^error\[PROPOSAL_STALE\]: live file moved$/);
    const activity = m.activity.map((l) => l.text);
    assert.ok(activity.some((t) => t.includes('hint: propose again')));
    for (const text of activity) assert.ok(!OBEYABLE.test(text));
  });
});
