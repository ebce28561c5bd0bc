import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseRoutes } from '../../../../supervisor/analysis/routes.js';
import type { AnalysisFinding } from '../../../../supervisor/analysis/types.js';

const LIVE = 'routes:\n  - host: api.example.test\n    paths: [/hello]\n    methods: [GET]\n';
const add = (rule: string) => `${LIVE}${rule}`;
const codes = (findings: AnalysisFinding[]) => findings.map((f) => `${f.level}:${f.code}`).sort();
const one = (findings: AnalysisFinding[], code: string) => {
  const found = findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `one ${code} in ${JSON.stringify(findings)}`);
  return found[0]!;
};

describe('analyseRoutes: what newly gets through', () => {
  it('judges what outlives the live grants: a rule copied from one without its grant is new reach', () => {
    const granted = add(
      "  - host: up.example.test\n    methods: [POST]\n    grant: {id: g-000000000007, expires_at: '2026-12-04T10:00:00Z'}\n",
    );
    const kept = analyseRoutes(
      `${granted}  - host: more.example.test\n    methods: [GET]\n`,
      granted,
    );
    assert.deepEqual(codes(kept), ['info:new-host'], 'a verbatim copy keeps its grant');
    const outliving = analyseRoutes(
      granted.replace(/ {4}grant: .*\n/, '').replace('[POST]', '[POST, HEAD]'),
      granted,
    );
    assert.ok(
      outliving.some((f) => /up\.example\.test/.test(f.reason) && /POST/.test(f.reason)),
      JSON.stringify(outliving),
    );
  });

  it('a plain GET route on a new exact host is info only', () => {
    const findings = analyseRoutes(
      add('  - host: new.example.test\n    paths: [/a]\n    methods: [GET]\n'),
      LIVE,
    );
    assert.deepEqual(codes(findings), ['info:new-host']);
    assert.match(findings[0]!.reason, /new\.example\.test becomes reachable: GET on \/a/);
  });

  it('a wildcard-host route with auth is danger (and the wildcard a caution)', () => {
    const findings = analyseRoutes(
      add('  - host: "*.example.org"\n    auth: {header: Authorization, secret: tok}\n'),
      LIVE,
    );
    assert.equal(one(findings, 'credential-reach').level, 'danger');
    assert.match(one(findings, 'credential-reach').reason, /"tok".*below example\.org/);
    assert.equal(one(findings, 'wildcard-host').level, 'caution');
  });

  it('a credential on a wider path or a new method on an exact host is caution', () => {
    const live =
      'routes:\n  - host: api.x.test\n    paths: [/v1/]\n    methods: [GET]\n    auth: {header: Authorization, secret: x}\n';
    const wider = analyseRoutes(live.replace('[/v1/]', '[/v1/, /admin]'), live);
    assert.equal(one(wider, 'credential-reach').level, 'caution');
    assert.match(one(wider, 'credential-reach').reason, /GET on \/admin/);
    assert.equal(one(wider, 'new-reach').level, 'info');
    const method = analyseRoutes(live.replace('[GET]', '[GET, DELETE]'), live);
    assert.match(one(method, 'credential-reach').reason, /DELETE on \/v1\//);
    assert.doesNotMatch(one(method, 'credential-reach').reason, /GET/);
  });

  it('sees a credential reach that only reordering creates (first match wins)', () => {
    const live =
      'routes:\n  - host: api.x.test\n    paths: [/public]\n  - host: api.x.test\n    auth: {header: Authorization, secret: x}\n';
    const swapped =
      'routes:\n  - host: api.x.test\n    auth: {header: Authorization, secret: x}\n  - host: api.x.test\n    paths: [/public]\n';
    const findings = analyseRoutes(swapped, live);
    assert.match(one(findings, 'credential-reach').reason, /any method on \/public, \/public\//);
    assert.ok(!findings.some((f) => f.code === 'new-reach' || f.code === 'new-host'));
  });

  it('a different secret on the same route is a new credential reach', () => {
    const live = 'routes:\n  - host: api.x.test\n    auth: {header: Authorization, secret: a}\n';
    const findings = analyseRoutes(live.replace('secret: a', 'secret: b'), live);
    assert.match(one(findings, 'credential-reach').reason, /"b"/);
  });

  it('removed rules are info', () => {
    const findings = analyseRoutes('routes: []\n', LIVE);
    assert.deepEqual(codes(findings), ['info:removed']);
    assert.match(findings[0]!.reason, /api\.example\.test: GET on \/hello no longer allowed/);
  });

  it('the same routes, reformatted, change nothing', () => {
    const same = 'routes:\n- host: API.example.test\n  methods: [get]\n  paths: ["/hello"]\n';
    assert.deepEqual(codes(analyseRoutes(same, LIVE)), ['info:no-change']);
  });
});

describe('analyseRoutes: around git-gate and the private-address check', () => {
  it('write access to the GitHub contents API is danger, read-only a caution', () => {
    const writes = analyseRoutes(
      add('  - host: api.github.com\n    paths: [/repos/acme/app/contents/]\n    methods: [PUT]\n'),
      LIVE,
    );
    assert.equal(one(writes, 'git-gate-bypass').level, 'danger');
    const reads = analyseRoutes(
      add('  - host: api.github.com\n    paths: [/repos/]\n    methods: [GET]\n'),
      LIVE,
    );
    assert.equal(one(reads, 'git-gate-bypass').level, 'caution');
    const issues = analyseRoutes(
      add('  - host: api.github.com\n    paths: [/repos/acme/app/issues]\n    methods: [POST]\n'),
      LIVE,
    );
    assert.ok(!issues.some((f) => f.code === 'git-gate-bypass'));
  });

  it('git data refs, GitLab repository files and smart-HTTP paths are danger', () => {
    for (const rule of [
      '  - host: api.github.com\n    paths: [/repos/a/b/git/refs]\n',
      '  - host: gitlab.com\n    paths: [/api/v4/projects/]\n    methods: [POST]\n',
      '  - host: git.corp.test\n    paths: [/team/app.git/info/refs]\n',
      '  - host: github.com\n',
    ]) {
      const findings = analyseRoutes(add(rule), LIVE);
      assert.equal(one(findings, 'git-gate-bypass').level, 'danger', rule);
    }
  });

  it('link-local, loopback and private: true are danger; RFC 1918 without private a caution', () => {
    const metadata = analyseRoutes(add('  - host: 169.254.169.254\n'), LIVE);
    assert.equal(one(metadata, 'private-address').level, 'danger');
    assert.match(one(metadata, 'private-address').reason, /link-local/);
    const hexMapped = analyseRoutes(add('  - host: "[::ffff:a9fe:a9fe]"\n'), LIVE);
    assert.equal(one(hexMapped, 'private-address').level, 'danger');
    assert.match(one(hexMapped, 'private-address').reason, /link-local/);
    const rfc1918 = analyseRoutes(add('  - host: 10.1.2.3:8080\n'), LIVE);
    assert.equal(one(rfc1918, 'private-address').level, 'caution');
    assert.match(one(rfc1918, 'private-address').reason, /unless the rule says private: true/);
    const flagged = analyseRoutes(add('  - host: db.example.test\n    private: true\n'), LIVE);
    assert.equal(one(flagged, 'private-reach').level, 'danger');
    const loopback = analyseRoutes(add('  - host: "[::1]:9000"\n'), LIVE);
    assert.equal(one(loopback, 'private-address').level, 'danger');
    const publicIp = analyseRoutes(add('  - host: 203.0.113.7\n'), LIVE);
    assert.equal(one(publicIp, 'ip-literal').level, 'caution');
  });

  it('passthrough and dlp: false are cautions', () => {
    const findings = analyseRoutes(
      add('  - host: pinned.example.test\n    tls: passthrough\n    dlp: false\n'),
      LIVE,
    );
    assert.equal(one(findings, 'passthrough').level, 'caution');
    assert.equal(one(findings, 'dlp-off').level, 'caution');
  });
});

describe('analyseRoutes: hostile and broken input', () => {
  it('bad YAML is one danger finding, and never a throw', () => {
    for (const text of [': : :\n\t- [', 'routes: [{host: "x y"}]', 'routes: 7', '', '\x1b[2J']) {
      const findings = analyseRoutes(text, LIVE);
      assert.equal(findings.length, 1, text);
      assert.equal(findings[0]!.level, 'danger');
      assert.match(findings[0]!.reason, /^routes do not parse: /);
    }
  });

  it('an unreadable or broken live file is a caution and everything compares as new', () => {
    const missing = analyseRoutes(LIVE, undefined);
    assert.equal(one(missing, 'live-unreadable').level, 'caution');
    assert.ok(missing.some((f) => f.code === 'new-host'));
    const broken = analyseRoutes(LIVE, 'routes: [oops');
    assert.equal(one(broken, 'live-unreadable').level, 'caution');
  });

  it('a huge file is compared in part, quickly, and says so', () => {
    const rules = Array.from(
      { length: 3000 },
      (_, i) => `  - host: h${i}.example.test\n    paths: [/a${i}, /b${i}, /c${i}]\n`,
    );
    const started = Date.now();
    const findings = analyseRoutes(`routes:\n${rules.join('')}`, LIVE);
    assert.ok(Date.now() - started < 20_000);
    assert.equal(one(findings, 'analysis-partial').level, 'danger');
  });
});

describe('analyseRoutes: a credential sent to a new host', () => {
  it('is danger, not caution', () => {
    const findings = analyseRoutes(
      `${LIVE}  - host: evil.example.test\n    auth: { header: Authorization, scheme: Bearer, secret: api }\n`,
      LIVE,
    );
    assert.equal(one(findings, 'credential-reach').level, 'danger');
  });
});
