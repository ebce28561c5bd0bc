import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { outcomeText, supersededOutcome, attachedOutcome } from '../../../mcp/proposals/outcome.js';
import { ArchiveNoteSchema, ProposalSchema, type Proposal } from '../../../mcp/queue/schema.js';
import { readPendingFile } from '../../../mcp/queue/store.js';
import { replaces, supersedeMarks } from '../../../mcp/queue/supersede.js';

const BASE = 'a'.repeat(64);

function routes(id: string, at: string, supersedes?: string[]): Proposal {
  return ProposalSchema.parse({
    v: 1,
    id,
    tool: 'egress-proxy-block',
    justification: 'j',
    payload: { routes_yaml: `routes: [] # ${id}\n`, base_sha256: BASE },
    created_at: at,
    ...(supersedes ? { supersedes } : {}),
  });
}

const A = 'agent-20260101T000000Z-0000000a';
const B = 'agent-20260101T000001Z-0000000b';
const C = 'agent-20260101T000002Z-0000000c';
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:02.000Z';

describe('supersedeMarks', () => {
  const table: [string, Proposal[], [string, string][]][] = [
    ['no marks', [routes(A, T0), routes(B, T1)], []],
    ['a newer one replaces an older one', [routes(A, T0), routes(B, T1, [A])], [[A, B]]],
    [
      'a chain: each replaced by the one that named it',
      [routes(A, T0), routes(B, T1, [A]), routes(C, T2, [B])],
      [
        [A, B],
        [B, C],
      ],
    ],
    [
      'the oldest superseder wins when two name the same one',
      [routes(A, T0), routes(C, T2, [A]), routes(B, T1, [A])],
      [[A, B]],
    ],
    ['an older one cannot replace a newer one', [routes(A, T0, [B]), routes(B, T1)], []],
    [
      'a cycle at the same instant resolves to one mark',
      [routes(A, T0, [B]), routes(B, T0, [A])],
      [[A, B]],
    ],
    ['an id not in the list is ignored', [routes(B, T1, [A])], []],
  ];
  for (const [what, proposals, expected] of table) {
    it(what, () => assert.deepEqual([...supersedeMarks(proposals)], expected));
  }

  it('never marks across tools', () => {
    const capability = ProposalSchema.parse({
      v: 1,
      id: B,
      tool: 'capability-block',
      justification: 'j',
      payload: { dockerfile: 'FROM x\n', base_sha256: BASE },
      created_at: T1,
      supersedes: [A],
    });
    assert.deepEqual([...supersedeMarks([routes(A, T0), capability])], []);
  });
});

describe('replaces: same tool, same target', () => {
  const allow = (id: string, at: string, findings: string[]): Proposal =>
    ProposalSchema.parse({
      v: 1,
      id,
      tool: 'gitleaks-allow',
      justification: 'j',
      payload: { finding_ids: findings, findings: [] },
      created_at: at,
    });

  it('a gitleaks-allow replaces only one whose findings it names all of', () => {
    assert.equal(replaces(allow(B, T1, ['f1', 'f2']), allow(A, T0, ['f1'])), true);
    assert.equal(replaces(allow(B, T1, ['f2']), allow(A, T0, ['f1'])), false);
    assert.equal(replaces(allow(B, T1, ['f1']), allow(A, T0, ['f1', 'f2'])), false);
  });

  it('a whole file always replaces the older whole file of its tool, never itself', () => {
    assert.equal(replaces(routes(B, T1), routes(A, T0)), true);
    assert.equal(replaces(routes(A, T0), routes(A, T0)), false);
    assert.equal(replaces(allow(B, T1, ['f1']), routes(A, T0)), false);
  });

  it('marks follow it: other findings stay queued beside the newer allowance', () => {
    const older = allow(A, T0, ['f1']);
    const other = { ...allow(B, T1, ['f2']), supersedes: [A] };
    assert.deepEqual([...supersedeMarks([older, other])], []);
    const wider = { ...allow(C, T2, ['f1', 'f2']), supersedes: [A] };
    assert.deepEqual([...supersedeMarks([older, wider])], [[A, C]]);
  });
});

describe('supersede in the queue contract', () => {
  it('archive notes carry superseded_by; older statuses still parse', () => {
    const note = ArchiveNoteSchema.parse({
      status: 'superseded',
      at: T1,
      by: 'op',
      superseded_by: B,
    });
    assert.equal(note.superseded_by, B);
    assert.equal(
      ArchiveNoteSchema.parse({ status: 'withdrawn', at: T1, by: 'op' }).status,
      'withdrawn',
    );
    assert.equal(
      ArchiveNoteSchema.safeParse({ status: 'superseded', at: T1, by: 'op', superseded_by: '../x' })
        .success,
      false,
    );
  });

  it('refuses supersedes from the proxy, across sources and of itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cb-supersede-'));
    try {
      const plant = async (source: 'agent' | 'egress-proxy', proposal: Record<string, unknown>) => {
        await mkdir(join(dir, 'pending', source), { recursive: true });
        const file = join(dir, 'pending', source, `${String(proposal.id)}.json`);
        await writeFile(file, JSON.stringify(proposal));
        return readPendingFile(dir, source, file);
      };
      const ok = await plant('agent', routes(B, T1, [A]));
      assert.equal(ok.ok, true);
      const self = await plant('agent', { ...routes(C, T2), supersedes: [C] });
      assert.equal(self.ok, false);
      const foreign = await plant('agent', {
        ...routes(C, T2),
        supersedes: ['egress-proxy-20260101T000000Z-00000001'],
      });
      assert.equal(foreign.ok, false);
      const proxyId = 'egress-proxy-20260101T000003Z-0000000d';
      const proxy = await plant('egress-proxy', {
        v: 1,
        id: proxyId,
        tool: 'egress-token-allow',
        justification: 'flagged',
        payload: {
          host: 'x.test',
          method: 'GET',
          path: '/',
          detector: 'github-pat',
          redacted_context: 'ghp_…',
          value_sha256: BASE,
        },
        created_at: T2,
        supersedes: ['egress-proxy-20260101T000000Z-00000001'],
      });
      assert.equal(proxy.ok, false);
      if (!proxy.ok) assert.match(proxy.reason, /may not supersede/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('superseded and attached outcomes', () => {
  it('says which proposal replaced it and what to call next, as a result, not an error', () => {
    const outcome = supersededOutcome(A, B);
    assert.equal(outcome.status, 'superseded');
    assert.equal(outcome.superseded_by, B);
    assert.equal(outcome.applied, false);
    const text = outcomeText('egress-proxy-block', outcome);
    assert.match(text, new RegExp(`^Proposal ${A} was superseded by ${B}:`));
    assert.match(text, new RegExp(`await-proposal with \\{"proposal_id": "${B}"\\}`));
  });

  it('keeps the old wording when nothing is known to have replaced it', () => {
    const outcome = supersededOutcome(A);
    assert.equal(outcome.superseded_by, undefined);
    assert.match(outcomeText(undefined, outcome), /no longer queued and has no decision/);
  });

  it('names the queued proposal a call attached to', () => {
    const outcome = attachedOutcome({
      proposal_id: A,
      status: 'pending',
      reason: 'r',
      applied: false,
    });
    assert.match(
      outcomeText('egress-proxy-block', outcome),
      new RegExp(`identical to proposal ${A}, already queued: it attached`),
    );
  });
});
