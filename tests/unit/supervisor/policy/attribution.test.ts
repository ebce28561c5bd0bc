import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffAllowlist } from '../../../../supervisor/policy/allowlist-diff.js';
import {
  attributeProposal,
  attributeSha,
  auditLines,
  UNKNOWN,
} from '../../../../supervisor/policy/attribution.js';

const ID = 'agent-20261124T215501Z-3f9a0c2b';
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    v: 1,
    seq: 1,
    ts: '2026-11-24T22:00:00.000Z',
    operator: 'ana',
    reason: 'r',
    prev: '0'.repeat(64),
    ...fields,
  });

test('allowlist entries are joined to the proposal header above them; others are unattributed', () => {
  const text = `# gitleaks fingerprints the operator allowed\n# ${ID} (2026-11-24T22:00:00.000Z)\nabc:f.txt:rule:3\n# a note\nhand:made:rule:1\n`;
  assert.deepEqual(diffAllowlist(text), [
    {
      kind: 'gitleaks-allowlist',
      change: 'added',
      fingerprint: 'abc:f.txt:rule:3',
      proposalId: ID,
    },
    { kind: 'gitleaks-allowlist', change: 'added', fingerprint: 'hand:made:rule:1' },
  ]);
});

test('a proposal is attributed from its applied approval line, else unknown', () => {
  const lines = auditLines(
    [
      line({
        proposal_id: ID,
        tool: 'gitleaks-allow',
        decision: 'approved',
        reason: 'test fixture',
        result: 'recorded',
      }),
      'not json',
    ].join('\n'),
  );
  assert.deepEqual(attributeProposal(lines, ID), {
    approved_by: 'ana',
    approved_at: '2026-11-24T22:00:00.000Z',
    reason: 'test fixture',
    proposal_id: ID,
  });
  assert.deepEqual(attributeProposal(lines, undefined), UNKNOWN);
});

test('a live file is attributed by its sha256 to the last change that produced it', () => {
  const lines = auditLines(
    [
      line({
        tool: 'routes-edit',
        decision: 'operator-change',
        sha256_after: 'aa',
        result: 'applied',
        operator: 'bo',
      }),
      line({
        proposal_id: ID,
        tool: 'egress-proxy-block',
        decision: 'approved',
        sha256_after: 'bb',
        result: 'applied',
      }),
    ].join('\n'),
  );
  assert.equal(attributeSha(lines, ['egress-proxy-block', 'routes-edit'], 'aa').approved_by, 'bo');
  assert.equal(attributeSha(lines, ['egress-proxy-block', 'routes-edit'], 'bb').proposal_id, ID);
  assert.deepEqual(attributeSha(lines, ['routes-edit'], 'cc'), UNKNOWN);
});
