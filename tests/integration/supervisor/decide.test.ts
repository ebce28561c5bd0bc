import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { stateDirOf } from '../../../lib/home.js';
import { stateLayout } from '../../../launcher/state/layout.js';
import { newProposalId } from '../../../mcp/queue/ids.js';
import type { Proposal } from '../../../mcp/queue/schema.js';
import { readDecision, writeDecision, writeProposal } from '../../../mcp/queue/store.js';
import { decide } from '../../../supervisor/engines/decide.js';
import type { EngineDeps } from '../../../supervisor/engines/types.js';
import { listProposals } from '../../../supervisor/queue/proposals.js';
import { containerlessDeps, makeStateDir } from '../../helpers/state-dir.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

// decide() on a real state dir with the engines that need no container (token allow,
// gitleaks allow): the claim, exclusive decisions, audit and archive, as two operators race.
let tree: TempTree;
let home = '';
const SLUG = 'scripted-abc123';

const deps = (): EngineDeps => containerlessDeps(home);

function tokenProposal(expiresInMs = 60_000): Proposal {
  const id = newProposalId('egress-proxy');
  return {
    v: 1,
    id,
    tool: 'egress-token-allow',
    justification: 'looks like a github-token',
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    payload: {
      host: 'api.example.test',
      method: 'GET',
      path: '/hello',
      detector: 'github-token',
      redacted_context: 'key=ghp_…',
      value_sha256: 'a'.repeat(64),
    },
  };
}

const layout = () => stateLayout(stateDirOf(home, SLUG));

describe('decide() on a real queue', () => {
  before(async () => {
    tree = await tempTree();
    home = tree.path('home');
    const l = await makeStateDir(home, SLUG);
    await writeFile(`${l.liveConfig}/gitleaks-allowlist`, '# allowlist\n');
  });
  after(() => tree.remove());

  it('two operators at once: one decision, the other gets DECISION_EXISTS, the audit has one line', async () => {
    const proposal = tokenProposal();
    await writeProposal(layout().queue.root, 'egress-proxy', proposal);
    const both = await Promise.allSettled(
      ['alice', 'bob'].map((operator) =>
        decide({ id: proposal.id, action: 'approve', reason: 'fine', operator }, deps()),
      ),
    );
    const won = both.filter((r) => r.status === 'fulfilled');
    const lost = both.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal((lost[0] as PromiseRejectedResult).reason.code, 'DECISION_EXISTS');
    const decided = await readDecision(layout().queue.root, proposal.id);
    assert.equal(decided?.ok && decided.value.decision, 'approved');
    const audit = (await readFile(`${layout().audit}/supervisor.jsonl`, 'utf8')).trim().split('\n');
    assert.equal(audit.filter((line) => line.includes(proposal.id)).length, 1);
    assert.deepEqual(await readdir(layout().queue.pending('egress-proxy')), [], 'archived');
    const again = await decide(
      { id: proposal.id, action: 'reject', reason: 'no', operator: 'carol' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((again as { code?: string }).code, 'DECISION_EXISTS');
    assert.match((again as { hint: string }).hint, /approved by (alice|bob)/);
  });

  it('the queue writer itself refuses a second decision and returns the first', async () => {
    const proposal = tokenProposal();
    const decision = (by: string) => ({
      v: 1 as const,
      id: proposal.id,
      decision: 'rejected' as const,
      reason: by,
      decided_by: by,
      decided_at: new Date().toISOString(),
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => writeDecision(layout().queue.root, decision(`w${i}`))),
    );
    assert.equal(results.filter((r) => r.written).length, 1);
    const loser = results.find((r) => !r.written);
    assert.ok(loser && !loser.written && loser.existing.ok);
  });

  it('report-only tools need a reason to approve; every rejection needs one', async () => {
    const proposal = tokenProposal();
    await writeProposal(layout().queue.root, 'egress-proxy', proposal);
    const noReason = await decide(
      { id: proposal.id, action: 'approve', operator: 'op' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((noReason as { code?: string }).code, 'USAGE');
    const noRejectReason = await decide(
      { id: proposal.id, action: 'reject', reason: ' ', operator: 'op' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((noRejectReason as { code?: string }).code, 'USAGE');
    const edit = await decide(
      { id: proposal.id, action: 'approve', reason: 'x', operator: 'op', editedText: 'x' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal(
      (edit as { code?: string }).code,
      'USAGE',
      'report-only proposals cannot be modified',
    );
    assert.equal(
      await readDecision(layout().queue.root, proposal.id),
      undefined,
      'nothing decided',
    );
  });

  it('an expired proxy proposal is archived as expired, not approved', async () => {
    const proposal = tokenProposal(-1000);
    await writeProposal(layout().queue.root, 'egress-proxy', proposal);
    const late = await decide(
      { id: proposal.id, action: 'approve', reason: 'late', operator: 'op' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((late as { code?: string }).code, 'PROPOSAL_EXPIRED');
    assert.equal(await readDecision(layout().queue.root, proposal.id), undefined);
    const all = await listProposals(home, { all: true });
    assert.equal(all.find((v) => v.proposal.id === proposal.id)?.status, 'expired');
  });

  it('gitleaks-allow appends the gate’s fingerprints once, however often it is approved', async () => {
    const finding = {
      v: 1 as const,
      id: 'f-0123456789abcdef',
      remote: 'origin',
      rule: 'github-pat',
      file: 'settings.txt',
      line: 1,
      commit: 'c'.repeat(40),
      fingerprint: `${'c'.repeat(40)}:settings.txt:github-pat:1`,
      redacted: 'token = ghp_…',
      created_at: new Date().toISOString(),
    };
    await mkdir(layout().findings, { recursive: true });
    await writeFile(`${layout().findings}/${finding.id}.json`, JSON.stringify(finding));
    // A forged copy in the proposal (it came through the supervise sidecar) is never used.
    const forged = { ...finding, fingerprint: '*' };
    for (const _ of [1, 2]) {
      const proposal: Proposal = {
        v: 1,
        id: newProposalId('agent'),
        tool: 'gitleaks-allow',
        justification: 'fixture',
        created_at: new Date().toISOString(),
        payload: { finding_ids: [finding.id], findings: [forged] },
      };
      await writeProposal(layout().queue.root, 'agent', proposal);
      const result = await decide(
        { id: proposal.id, action: 'approve', reason: 'fixture', operator: 'op' },
        deps(),
      );
      assert.equal(result.applied, true);
    }
    const allowlist = await readFile(`${layout().liveConfig}/gitleaks-allowlist`, 'utf8');
    assert.equal(allowlist.split('\n').filter((l) => l === finding.fingerprint).length, 1);
    assert.ok(!allowlist.split('\n').includes('*'), 'the forged fingerprint is not allowlisted');
  });

  it('an unknown id is PROPOSAL_NOT_FOUND and a malformed one USAGE, naming what to run', async () => {
    const missing = await decide(
      { id: 'agent-20260101T000000Z-deadbeef', action: 'reject', reason: 'x', operator: 'op' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((missing as { code?: string }).code, 'PROPOSAL_NOT_FOUND');
    const bad = await decide(
      { id: '../../etc/passwd', action: 'reject', reason: 'x', operator: 'op' },
      deps(),
    ).catch((e: unknown) => e);
    assert.equal((bad as { code?: string }).code, 'USAGE');
  });
});
