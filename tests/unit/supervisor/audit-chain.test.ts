import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chainLine,
  GENESIS,
  lineHash,
  verifyChain,
  type AuditEntry,
} from '../../../supervisor/audit/chain.js';

const entry = (n: number): AuditEntry => ({
  proposal_id: `agent-20261201T000000Z-0000000${n}`,
  tool: 'egress-proxy-block',
  decision: 'approved',
  reason: `reason ${n}`,
  operator: 'op',
  result: 'applied',
});

function build(count: number) {
  let head = { lines: 0, sha256: GENESIS };
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    const line = chainLine(entry(i), head, new Date(Date.UTC(2026, 11, 1, 0, 0, i)));
    lines.push(line);
    head = { lines: i, sha256: lineHash(line) };
  }
  return { text: `${lines.join('\n')}\n`, lines, head };
}

describe('the audit hash chain', () => {
  it('verifies an intact log against its head', () => {
    const { text, head } = build(4);
    assert.deepEqual(verifyChain(text, head), { ok: true, lines: 4, head });
  });

  it('an empty log with no head is intact; lines with no head are not', () => {
    assert.equal(verifyChain('', undefined).ok, true);
    assert.equal(verifyChain(build(1).text, undefined).ok, false);
  });

  it('names the line after the one whose byte changed', () => {
    const { lines, head } = build(4);
    const changed = [...lines];
    changed[1] = changed[1]!.replace('reason 2', 'reason X');
    const result = verifyChain(`${changed.join('\n')}\n`, head);
    assert.deepEqual(result.ok ? undefined : result.line, 3);
  });

  it('catches a change to the last line through the head', () => {
    const { lines, head } = build(3);
    const changed = [...lines];
    changed[2] = changed[2]!.replace('reason 3', 'reason Y');
    const result = verifyChain(`${changed.join('\n')}\n`, head);
    assert.equal(result.ok, false);
    assert.equal(result.ok ? 0 : result.line, 3);
  });

  it('catches a removed, a reordered and a truncated line, and invalid JSON', () => {
    const { lines, head } = build(4);
    const removed = verifyChain(`${[lines[0], lines[2], lines[3]].join('\n')}\n`, head);
    assert.equal(removed.ok, false);
    const swapped = verifyChain(`${[lines[1], lines[0], lines[2], lines[3]].join('\n')}\n`, head);
    assert.equal(swapped.ok ? 0 : swapped.line, 1);
    const truncated = verifyChain(`${lines.slice(0, 3).join('\n')}\n`, head);
    assert.match(truncated.ok ? '' : truncated.problem, /3 lines, metadata.json records 4/);
    const broken = verifyChain(`${lines[0]}\n{not json\n`, { lines: 2, sha256: head.sha256 });
    assert.deepEqual(broken.ok ? undefined : [broken.line, broken.problem], [2, 'not valid JSON']);
  });

  it('refuses a line with a field the schema does not know (no secret can ride along)', () => {
    assert.throws(() =>
      chainLine(
        { ...entry(1), secret: 'x' } as unknown as AuditEntry,
        { lines: 0, sha256: '' },
        new Date(),
      ),
    );
  });
});
