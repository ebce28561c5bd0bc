import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../../../images/egress-proxy/routes/parse.js';
import type { Proposal } from '../../../../mcp/queue/schema.js';
import { analyseProposal, type AnalysisFinding } from '../../../../supervisor/analysis/index.js';
import { judge, patternCovers } from '../../../../supervisor/rules/judge.js';
import type { OperatorRule } from '../../../../supervisor/rules/schema.js';

// The operator-rule judge over real routes text: the proxy's parser, the policy diff and the
// supervisor's own analysis (computed here exactly as the runner does, unless a case says).

const LIVE = `routes:
  - host: api.example.test
    paths: [/hello]
    methods: [GET]
    auth: { header: Authorization, scheme: Bearer, secret: upstream }
`;
const NPM: OperatorRule = {
  name: 'npm-read',
  tool: 'egress-proxy-block',
  hosts: ['*.npmjs.test'],
  methods: ['GET', 'HEAD'],
};
const add = (rule: string, live = LIVE) => `${live}${rule}`;

interface Case {
  name: string;
  routes: string;
  live?: string | undefined;
  /** The live file cannot be read. */
  unreadable?: boolean;
  rules?: OperatorRule[];
  slug?: string;
  /** Instead of the real analysis (to reach a check the analysis would otherwise stop first). */
  findings?: AnalysisFinding[];
  baseSha256?: string;
  tool?: Proposal['tool'];
  /** `approve: <rule name>` or a reason that must be among those given for leaving it. */
  expect: { approve: string; reason?: RegExp } | { leave: RegExp };
}

const CASES: Case[] = [
  {
    name: 'a live host again with a port spelled out (:443 is the same host)',
    live: 'routes:\n  - host: registry.npmjs.test\n    paths: [/left-pad]\n    methods: [GET]\n',
    routes:
      'routes:\n  - host: registry.npmjs.test\n    paths: [/left-pad]\n    methods: [GET]\n  - host: registry.npmjs.test:443\n    methods: [GET]\n',
    expect: { leave: /host the live routes already name/ },
  },
  {
    name: 'an npm GET/HEAD route on a covered host',
    routes: add('  - host: registry.npmjs.test\n    methods: [GET, HEAD]\n'),
    expect: {
      approve: 'npm-read',
      reason: /^operator rule "npm-read": adds only GET, HEAD on registry\.npmjs\.test$/,
    },
  },
  {
    name: 'a HEAD-only route with paths',
    routes: add(
      '  - host: registry.npmjs.test\n    paths: [/-/, /left-pad]\n    methods: [HEAD]\n',
    ),
    expect: { approve: 'npm-read' },
  },
  {
    name: 'two new hosts, both covered',
    routes: add(
      '  - host: registry.npmjs.test\n    methods: [GET]\n  - host: cdn.npmjs.test\n    methods: [GET]\n',
    ),
    expect: {
      approve: 'npm-read',
      reason: /GET on registry\.npmjs\.test; GET on cdn\.npmjs\.test/,
    },
  },
  {
    name: 'the first rule that covers it wins',
    rules: [{ ...NPM, name: 'other', hosts: ['*.pypi.test'] }, NPM],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { approve: 'npm-read' },
  },
  {
    name: 'a rule for this bottle',
    rules: [{ ...NPM, bottles: ['dev-1'] }],
    slug: 'dev-1',
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { approve: 'npm-read' },
  },
  {
    name: 'a route sending a credential',
    routes: add(
      '  - host: registry.npmjs.test\n    methods: [GET, HEAD]\n    auth: { header: Authorization, secret: npm-token }\n',
    ),
    expect: { leave: /registry\.npmjs\.test: sends a credential \(auth\)/ },
  },
  {
    name: 'a credential, even with the analysis left out',
    findings: [],
    routes: add(
      '  - host: registry.npmjs.test\n    methods: [GET]\n    auth: { header: Authorization, secret: npm-token }\n',
    ),
    expect: { leave: /sends a credential/ },
  },
  {
    name: 'no methods (every method)',
    routes: add('  - host: registry.npmjs.test\n'),
    expect: { leave: /registry\.npmjs\.test: no methods listed/ },
  },
  {
    name: 'a method beyond the rule',
    routes: add('  - host: registry.npmjs.test\n    methods: [GET, POST]\n'),
    expect: { leave: /rule npm-read: registry\.npmjs\.test: POST not among GET, HEAD/ },
  },
  {
    name: 'a host outside the patterns',
    routes: add('  - host: registry.npmjs.example.test\n    methods: [GET]\n'),
    expect: { leave: /registry\.npmjs\.example\.test is not covered by \*\.npmjs\.test/ },
  },
  {
    name: 'the bare name below a wildcard pattern',
    routes: add('  - host: npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /npmjs\.test is not covered/ },
  },
  {
    name: 'another port than 80/443',
    routes: add('  - host: registry.npmjs.test:8443\n    methods: [GET]\n'),
    expect: { leave: /registry\.npmjs\.test:8443 is not covered/ },
  },
  {
    name: 'a wildcard route (the analysis cautions)',
    routes: add('  - host: "*.npmjs.test"\n    methods: [GET]\n'),
    expect: { leave: /the analysis has a caution wildcard-host finding/ },
  },
  {
    name: 'a wider wildcard route than the pattern',
    findings: [],
    routes: add('  - host: "*.test"\n    methods: [GET]\n'),
    expect: { leave: /\*\.test is not covered by \*\.npmjs\.test/ },
  },
  {
    name: 'a wildcard route an exact pattern never covers',
    findings: [],
    rules: [{ ...NPM, hosts: ['registry.npmjs.test'] }],
    routes: add('  - host: "*.npmjs.test"\n    methods: [GET]\n'),
    expect: { leave: /\*\.npmjs\.test is not covered by registry\.npmjs\.test/ },
  },
  {
    name: 'tls: passthrough',
    routes: add('  - host: registry.npmjs.test\n    tls: passthrough\n'),
    expect: { leave: /registry\.npmjs\.test: tls: passthrough/ },
  },
  {
    name: 'dlp: false',
    findings: [],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n    dlp: false\n'),
    expect: { leave: /registry\.npmjs\.test: dlp: false/ },
  },
  {
    name: 'private: true',
    findings: [],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n    private: true\n'),
    expect: { leave: /registry\.npmjs\.test: private: true/ },
  },
  {
    name: 'a grant (the operator’s own timed rule)',
    findings: [],
    routes: add(
      '  - host: registry.npmjs.test\n    methods: [GET]\n    grant: { id: g-abcd, uses: 1 }\n',
    ),
    expect: { leave: /registry\.npmjs\.test: carries a grant/ },
  },
  {
    name: 'a live rule widened beside the addition',
    routes: add(
      '  - host: registry.npmjs.test\n    methods: [GET]\n',
      LIVE.replace('methods: [GET]', 'methods: [GET, POST]'),
    ),
    expect: { leave: /api\.example\.test: a live rule is widened \(methods GET → GET, POST\)/ },
  },
  {
    name: 'a live rule removed',
    routes: 'routes:\n  - host: registry.npmjs.test\n    methods: [GET]\n',
    expect: { leave: /api\.example\.test: a live rule is removed/ },
  },
  {
    name: 'a second rule for a live host',
    findings: [],
    live: 'routes:\n  - host: registry.npmjs.test\n    methods: [GET]\n',
    routes:
      'routes:\n  - host: registry.npmjs.test\n    methods: [GET]\n  - host: registry.npmjs.test\n    methods: [HEAD]\n',
    expect: {
      leave: /registry\.npmjs\.test: one more rule for a host the live routes already name/,
    },
  },
  {
    name: 'a live rule repeated',
    findings: [],
    routes: add(
      '  - host: api.example.test\n    paths: [/hello]\n    methods: [GET]\n    auth: { header: Authorization, scheme: Bearer, secret: upstream }\n  - host: registry.npmjs.test\n    methods: [GET]\n',
    ),
    expect: {
      leave:
        /api\.example\.test: one more rule for a host|a live rule is removed, repeated or moved/,
    },
  },
  {
    name: 'two live rules of one host reordered',
    findings: [],
    live: 'routes:\n  - host: a.example.test\n    paths: [/a]\n  - host: a.example.test\n    paths: [/b]\n',
    routes:
      'routes:\n  - host: a.example.test\n    paths: [/b]\n  - host: a.example.test\n    paths: [/a]\n  - host: registry.npmjs.test\n    methods: [GET]\n',
    expect: {
      leave: /a\.example\.test: a live rule is changed|a live rule is removed, repeated or moved/,
    },
  },
  {
    name: 'one of two live rules of a host dropped, the other doubled',
    findings: [],
    live: 'routes:\n  - host: a.example.test\n    paths: [/a]\n  - host: a.example.test\n    paths: [/b]\n',
    routes:
      'routes:\n  - host: a.example.test\n    paths: [/b]\n  - host: a.example.test\n    paths: [/b]\n  - host: registry.npmjs.test\n    methods: [GET]\n',
    expect: {
      leave: /a\.example\.test: a live rule is changed|a live rule is removed, repeated or moved/,
    },
  },
  {
    name: 'an added rule placed where it is matched before a live one',
    findings: [],
    live: 'routes:\n  - host: mirror.npmjs.test\n    methods: [GET]\n    auth: { header: Authorization, secret: m }\n',
    routes:
      'routes:\n  - host: "*.npmjs.test"\n    methods: [GET]\n  - host: mirror.npmjs.test\n    methods: [GET]\n    auth: { header: Authorization, secret: m }\n',
    expect: { leave: /\*\.npmjs\.test: placed before the live rule for mirror\.npmjs\.test/ },
  },
  {
    name: 'nothing added',
    routes: LIVE,
    expect: { leave: /it adds no rule/ },
  },
  {
    name: 'proposed against an older routes.yaml',
    baseSha256: 'f'.repeat(64),
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /proposed against an older routes\.yaml/ },
  },
  {
    name: 'an unparsable proposal',
    routes: `${LIVE}  - host: "https://registry.npmjs.test"\n`,
    expect: { leave: /the proposed routes\.yaml does not parse/ },
  },
  {
    name: 'an unparsable live file',
    live: 'routes: {{',
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /the live routes\.yaml does not parse/ },
  },
  {
    name: 'an unreadable live file',
    unreadable: true,
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /the live routes\.yaml could not be read/ },
  },
  {
    name: 'a caution in the analysis',
    findings: [{ level: 'caution', code: 'git-gate-bypass', reason: 'x' }],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /the analysis has a caution git-gate-bypass finding/ },
  },
  {
    name: 'a danger in the analysis',
    findings: [{ level: 'danger', code: 'analysis-failed', reason: 'x' }],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /danger analysis-failed/ },
  },
  {
    name: 'another bottle than the rule names',
    rules: [{ ...NPM, bottles: ['dev-2'] }],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /rule npm-read: not for bottle dev-1/ },
  },
  {
    name: 'no rules configured',
    rules: [],
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: /no operator rules/ },
  },
  ...(['capability-block', 'gitleaks-allow', 'egress-token-allow'] as const).map((tool): Case => ({
    name: `a ${tool} proposal`,
    tool,
    routes: add('  - host: registry.npmjs.test\n    methods: [GET]\n'),
    expect: { leave: new RegExp(`rules never decide ${tool}`) },
  })),
];

function proposalOf(c: Case, base: string): Proposal {
  const common = {
    v: 1 as const,
    id: 'agent-20261124T215501Z-3f9a0c2b',
    justification: 'I need the npm registry',
    created_at: '2026-11-24T21:55:01.000Z',
  };
  switch (c.tool ?? 'egress-proxy-block') {
    case 'egress-proxy-block':
      return {
        ...common,
        tool: 'egress-proxy-block',
        payload: { routes_yaml: c.routes, base_sha256: c.baseSha256 ?? sha256(base) },
      };
    case 'capability-block':
      return {
        ...common,
        tool: 'capability-block',
        payload: { dockerfile: 'RUN true\n', base_sha256: sha256(base) },
      };
    default:
      // The other tools carry no routes: their shape does not matter to a judge that refuses them.
      return { ...common, tool: c.tool, payload: {} } as unknown as Proposal;
  }
}

describe('operator rules: judge', () => {
  for (const c of CASES) {
    it(`${'approve' in c.expect ? 'approves' : 'leaves'}: ${c.name}`, () => {
      const liveText = c.live ?? LIVE;
      const proposal = proposalOf(c, liveText);
      const base = c.unreadable ? undefined : { text: liveText, sha256: sha256(liveText) };
      const findings =
        c.findings ?? analyseProposal({ proposal }, base ? { routes: { text: base.text } } : {});
      const verdict = judge(c.rules ?? [NPM], {
        slug: c.slug ?? 'dev-1',
        proposal,
        base,
        findings,
      });
      if ('approve' in c.expect) {
        assert.equal(verdict.verdict, 'approve', JSON.stringify(verdict));
        assert.ok(verdict.verdict === 'approve');
        assert.equal(verdict.rule.name, c.expect.approve);
        if (c.expect.reason) assert.match(verdict.reason, c.expect.reason);
      } else {
        assert.equal(verdict.verdict, 'leave', JSON.stringify(verdict));
        assert.ok(verdict.verdict === 'leave');
        const pattern = c.expect.leave;
        assert.ok(
          verdict.reasons.some((reason) => pattern.test(reason)),
          `${pattern} in ${JSON.stringify(verdict.reasons)}`,
        );
      }
    });
  }
});

describe('operator rules: a host pattern covers a route host', () => {
  const TABLE: [pattern: string, host: string, covered: boolean][] = [
    ['registry.npmjs.test', 'registry.npmjs.test', true],
    ['registry.npmjs.test', 'registry.npmjs.test:443', true],
    ['registry.npmjs.test', 'registry.npmjs.test:80', true],
    ['registry.npmjs.test', 'registry.npmjs.test:8443', false],
    ['registry.npmjs.test:443', 'registry.npmjs.test', false],
    ['registry.npmjs.test:8443', 'registry.npmjs.test:8443', true],
    ['registry.npmjs.test', 'other.npmjs.test', false],
    ['registry.npmjs.test', '*.npmjs.test', false],
    ['*.npmjs.test', 'registry.npmjs.test', true],
    ['*.npmjs.test', 'a.b.npmjs.test', true],
    ['*.npmjs.test', 'npmjs.test', false],
    ['*.npmjs.test', 'xnpmjs.test', false],
    ['*.npmjs.test', '*.npmjs.test', true],
    ['*.npmjs.test', '*.cdn.npmjs.test', true],
    ['*.npmjs.test', '*.test', false],
    ['*.cdn.npmjs.test', '*.npmjs.test', false],
    ['*.npmjs.test', '[::1]', false],
  ];
  for (const [pattern, host, covered] of TABLE) {
    it(`${pattern} ${covered ? 'covers' : 'does not cover'} ${host}`, () => {
      assert.equal(patternCovers(pattern, host), covered);
    });
  }
});
