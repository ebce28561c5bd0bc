import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoutesOrThrow } from '../../../../images/egress-proxy/routes/parse.js';
import type { Grant } from '../../../../images/egress-proxy/routes/schema.js';
import { grantedRoutes, withoutGrants } from '../../../../supervisor/grants/routes.js';

const GRANT: Grant = { id: 'g-000000000001', expires_at: '2026-12-04T12:00:00.000Z' };
const ONCE: Grant = { id: 'g-000000000002', uses: 1, expires_at: '2026-12-04T12:00:00.000Z' };
const LIVE = 'routes:\n  - host: api.example.test\n    methods: [GET]\n';

/** The rules of a routes text as host + methods + grant id, in order. */
function rules(text: string): string[] {
  return parseRoutesOrThrow(text).routes.routes.map(
    (r) => `${r.host} ${r.methods?.join(',') ?? '*'}${r.grant ? ` ${r.grant.id}` : ''}`,
  );
}

describe('grantedRoutes', () => {
  it('returns the proposed text untouched when the approval is for the bottle’s life', () => {
    const proposed = `# the agent's comment\n${LIVE}  - host: registry.npmjs.test\n    methods: [GET]\n`;
    const out = grantedRoutes(LIVE, proposed, undefined);
    assert.equal(out.text, proposed);
    assert.deepEqual(
      out.granted.map((r) => r.host),
      ['registry.npmjs.test'],
    );
  });

  it('puts the grant on a new rule only, keeping the rules that did not change', () => {
    const proposed = `${LIVE}  - host: registry.npmjs.test\n    methods: [GET]\n`;
    const out = grantedRoutes(LIVE, proposed, GRANT);
    assert.deepEqual(rules(out.text), [
      'api.example.test GET',
      `registry.npmjs.test GET ${GRANT.id}`,
    ]);
  });

  it('puts a changed rule back after its time-boxed replacement, which decides while it lives', () => {
    const proposed =
      'routes:\n  - host: api.example.test\n    methods: [GET, POST]\n    dlp: false\n';
    const out = grantedRoutes(LIVE, proposed, GRANT);
    assert.deepEqual(rules(out.text), [
      `api.example.test GET,POST ${GRANT.id}`,
      'api.example.test GET',
    ]);
    const first = parseRoutesOrThrow(out.text).routes.routes[0]!;
    assert.equal(first.dlp, false, 'the change takes effect during the grant');
    assert.deepEqual(rules(withoutGrants(out.text, new Set([GRANT.id]))), ['api.example.test GET']);
  });

  it('refuses to time-box a removal: removing a rule can widen (the rule behind it decides)', () => {
    const live = `${LIVE}  - host: old.example.test\n`;
    const proposed = `${LIVE}  - host: new.example.test\n    methods: [GET]\n`;
    assert.throws(
      () => grantedRoutes(live, proposed, GRANT),
      /removes the old\.example\.test rule/,
    );
    const shadow = 'routes:\n  - host: api.x.test\n  - host: "*.x.test"\n    dlp: false\n';
    const unshadowed = 'routes:\n  - host: "*.x.test"\n    dlp: false\n  - host: new.y.test\n';
    assert.throws(() => grantedRoutes(shadow, unshadowed, GRANT), /removal cannot be time-boxed/);
    assert.doesNotThrow(
      () => grantedRoutes(live, proposed, undefined),
      'for the bottle’s life it is a plain change',
    );
  });

  it('refuses a time-boxed change moved past the live rules it followed', () => {
    const live =
      'routes:\n  - host: api.example.test\n    methods: [GET]\n  - host: "*.example.test"\n';
    const moved =
      'routes:\n  - host: "*.example.test"\n  - host: api.example.test\n    methods: [GET, POST]\n';
    assert.throws(() => grantedRoutes(live, moved, GRANT), /past other live rules/);
  });

  it('never honours a grant the agent wrote, whatever the lifetime', () => {
    const proposed = `${LIVE}  - host: x.example.test\n    grant: {id: g-agentmade1, uses: 1000}\n`;
    assert.deepEqual(rules(grantedRoutes(LIVE, proposed, undefined).text), [
      'api.example.test GET',
      'x.example.test *',
    ]);
    assert.deepEqual(rules(grantedRoutes(LIVE, proposed, GRANT).text), [
      'api.example.test GET',
      `x.example.test * ${GRANT.id}`,
    ]);
  });

  it('keeps a live time-boxed rule as it is when the agent copies it without its grant', () => {
    const live = `${LIVE}  - host: t.example.test\n    grant: {id: ${GRANT.id}, expires_at: '${GRANT.expires_at}'}\n`;
    const proposed = `${LIVE}  - host: t.example.test\n  - host: more.example.test\n    methods: [HEAD]\n`;
    assert.deepEqual(rules(grantedRoutes(live, proposed, undefined).text), [
      'api.example.test GET',
      `t.example.test * ${GRANT.id}`,
      'more.example.test HEAD',
    ]);
  });

  it('refuses a once-grant on a passthrough rule, whose requests the proxy never sees', () => {
    const proposed = `${LIVE}  - host: blind.example.test\n    tls: passthrough\n`;
    assert.throws(() => grantedRoutes(LIVE, proposed, ONCE), /passthrough/);
    assert.doesNotThrow(() => grantedRoutes(LIVE, proposed, GRANT));
  });

  it('a changed rule the proposal also moves comes back in its old place when the grant ends', () => {
    const live =
      'routes:\n  - host: "*.example.test"\n    methods: [GET]\n  - host: api.example.test\n    methods: [GET, POST]\n    dlp: false\n';
    const proposed =
      'routes:\n  - host: api.example.test\n    methods: [GET, POST, PUT]\n    dlp: false\n  - host: "*.example.test"\n    methods: [GET]\n';
    const out = grantedRoutes(live, proposed, GRANT);
    assert.deepEqual(rules(withoutGrants(out.text, new Set([GRANT.id]))), [
      '*.example.test GET',
      'api.example.test GET,POST',
    ]);
  });

  it('a reordered copy of a time-boxed rule is that rule: its grant is kept, never dropped', () => {
    const live = `${LIVE}  - host: up.example.test\n    methods: [GET, POST]\n    grant: {id: ${ONCE.id}, uses: 1}\n`;
    const proposed = `${LIVE}  - host: up.example.test\n    methods: [POST, GET, POST]\n  - host: registry.npmjs.test\n    methods: [GET]\n`;
    const out = grantedRoutes(live, proposed, undefined);
    assert.deepEqual(rules(out.text), [
      'api.example.test GET',
      `up.example.test GET,POST ${ONCE.id}`,
      'registry.npmjs.test GET',
    ]);
    assert.deepEqual(
      out.granted.map((r) => r.host),
      ['registry.npmjs.test'],
    );
  });

  it('refuses to time-box what a lifetime cannot undo: nothing new, or a new order of live rules', () => {
    const two = `${LIVE}  - host: b.example.test\n`;
    assert.throws(
      () => grantedRoutes(two, 'routes:\n  - host: api.example.test\n    methods: [GET]\n', GRANT),
      /nothing to time-box/,
    );
    const swapped =
      'routes:\n  - host: b.example.test\n  - host: api.example.test\n    methods: [GET]\n  - host: c.example.test\n';
    assert.throws(() => grantedRoutes(two, swapped, GRANT), /moves or repeats live rules/);
    const repeated = `${two}  - host: b.example.test\n  - host: c.example.test\n`;
    assert.throws(() => grantedRoutes(two, repeated, GRANT), /moves or repeats/);
    assert.doesNotThrow(
      () => grantedRoutes(two, swapped, undefined),
      'for the bottle’s life it is a plain change',
    );
  });
});
