import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FindingRecord } from '../../../../images/git-gate/finding.js';
import { analyseGitleaksAllow } from '../../../../supervisor/analysis/findings.js';

function record(overrides: Partial<FindingRecord> = {}): FindingRecord {
  const base = {
    v: 1 as const,
    id: 'f-0123456789abcdef',
    remote: 'origin',
    rule: 'github-pat',
    file: 'src/cfg.ts',
    line: 12,
    commit: 'abc123',
    redacted: 'ghp_****',
    created_at: '2026-11-24T22:00:00.000Z',
    ...overrides,
  };
  return {
    fingerprint: `${base.commit}:${base.file}:${base.rule}:${base.line}`,
    ...base,
  };
}

describe('analyseGitleaksAllow', () => {
  it("an allow of exactly the gate's finding is info naming what it allows", () => {
    const findings = analyseGitleaksAllow(['f-0123456789abcdef'], [record()], undefined);
    assert.deepEqual(
      findings.map((f) => f.level),
      ['info'],
    );
    assert.match(findings[0]!.reason, /allows github-pat at src\/cfg\.ts:12 in commit abc123 only/);
  });

  it('finding ids git-gate did not report are danger', () => {
    const findings = analyseGitleaksAllow(
      ['f-0123456789abcdef', 'f-ffffffffffffffff'],
      [record()],
      undefined,
    );
    const wide = findings.find((f) => f.code === 'unreported-finding');
    assert.equal(wide?.level, 'danger');
    assert.match(wide.reason, /f-ffffffffffffffff/);
  });

  it('a fingerprint not bound to the commit is danger; one that differs otherwise a caution', () => {
    const global = analyseGitleaksAllow(
      ['f-0123456789abcdef'],
      [record({ fingerprint: 'src/cfg.ts:github-pat:12' })],
      undefined,
    );
    assert.equal(global.find((f) => f.code === 'wide-allow')?.level, 'danger');
    const other = analyseGitleaksAllow(
      ['f-0123456789abcdef'],
      [record({ fingerprint: 'abc123:src/other.ts:github-pat:12' })],
      undefined,
    );
    assert.equal(other.find((f) => f.code === 'fingerprint-differs')?.level, 'caution');
  });

  it('allowing a gitleaks:allow line is danger', () => {
    const findings = analyseGitleaksAllow(
      ['f-0123456789abcdef'],
      [record({ rule: 'gitleaks-allow-comment' })],
      undefined,
    );
    assert.deepEqual(
      findings.map((f) => `${f.level}:${f.code}`),
      ['danger:allow-comment'],
    );
  });

  it("copies that differ from the gate's records are danger; unread records a caution", () => {
    const mismatch = analyseGitleaksAllow(['f-0123456789abcdef'], [record()], 'copies differ');
    assert.equal(mismatch[0]!.code, 'findings-mismatch');
    assert.equal(mismatch[0]!.level, 'danger');
    const unread = analyseGitleaksAllow(['f-0123456789abcdef'], undefined, undefined);
    assert.deepEqual(
      unread.map((f) => `${f.level}:${f.code}`),
      ['caution:findings-unread'],
    );
  });
});
