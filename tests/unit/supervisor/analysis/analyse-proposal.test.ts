import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Proposal } from '../../../../mcp/queue/schema.js';
import { analyseProposal, ANALYSIS_LEVELS } from '../../../../supervisor/analysis/index.js';

const base = {
  v: 1 as const,
  id: 'agent-20261124T215501Z-3f9a0c2b',
  justification: 'x',
  created_at: '2026-11-24T21:55:01.000Z',
};
const LIVE = 'routes:\n  - host: api.example.test\n';

function routes(routes_yaml: string): Proposal {
  return {
    ...base,
    tool: 'egress-proxy-block',
    payload: { routes_yaml, base_sha256: 'a'.repeat(64) },
  };
}

describe('analyseProposal', () => {
  it('orders findings most serious first', () => {
    const findings = analyseProposal(
      {
        proposal: routes(
          'routes:\n  - host: new.example.test\n  - host: "*.example.org"\n    auth: {header: Authorization, secret: t}\n',
        ),
      },
      { routes: { text: LIVE } },
    );
    const ranks = findings.map((f) => ANALYSIS_LEVELS.indexOf(f.level));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.equal(findings[0]!.level, 'danger');
    assert.ok(findings.some((f) => f.code === 'removed'));
  });

  it('never throws on hostile input, and every reason is one safe line', () => {
    const hostile = [
      '\x00\x1b[2J',
      'routes:\n' + '  - host: a.test\n'.repeat(5000),
      'routes: &a [*a]',
      '{'.repeat(10000),
      'routes:\n  - host: a.test\n    paths: ["/\u202e"]\n',
    ];
    for (const text of hostile) {
      const findings = analyseProposal({ proposal: routes(text) }, { routes: { text } });
      assert.ok(findings.length > 0);
      for (const f of findings) {
        assert.ok(ANALYSIS_LEVELS.includes(f.level));
        // eslint-disable-next-line no-control-regex
        assert.ok(!/[\x00-\x1f\u202a-\u202e]/.test(f.reason), JSON.stringify(f));
      }
    }
    const dockerfile: Proposal = {
      ...base,
      tool: 'capability-block',
      payload: { dockerfile: 'RUN <<EOF\n\x1b', base_sha256: 'a'.repeat(64) },
    };
    assert.equal(analyseProposal({ proposal: dockerfile }, {})[0]!.level, 'danger');
  });

  it('bounds the number of findings and says how many more there are', () => {
    const rules = Array.from({ length: 80 }, (_, i) => `  - host: h${i}.example.test\n`).join('');
    const findings = analyseProposal(
      { proposal: routes(`routes:\n${rules}`) },
      { routes: { text: LIVE } },
    );
    assert.equal(findings.length, 40);
    assert.match(findings.at(-1)!.reason, /more finding\(s\) not listed/);
  });
});
