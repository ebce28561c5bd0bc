import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BottleError } from '../../../../lib/errors.js';
import {
  grantFor,
  lifetimeOf,
  ONCE_DEADLINE_MS,
  parseDuration,
  shortMs,
} from '../../../../supervisor/grants/lifetime.js';
import { grantRecord, refuseLifetime } from '../../../../supervisor/grants/record.js';

const NOW = new Date('2026-12-04T10:00:00.000Z');

describe('lifetimes', () => {
  it('parses durations and refuses what it cannot read, with what to type', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    for (const bad of ['', '0m', '30', 'm', '1.5h', '-1m', '31d', '30 minutes'])
      assert.throws(
        () => parseDuration(bad),
        (e: unknown) => e instanceof BottleError && e.code === 'USAGE',
        bad,
      );
  });

  it('takes at most one lifetime flag; none is the bottle’s life', () => {
    assert.deepEqual(lifetimeOf({}), { kind: 'bottle' });
    assert.deepEqual(lifetimeOf({ once: true }), { kind: 'once' });
    assert.deepEqual(lifetimeOf({ for: '2m' }), { kind: 'for', ms: 120_000 });
    assert.throws(() => lifetimeOf({ once: true, permanent: true }), /--once and --permanent/);
  });

  it('gives a once-grant one use and a deadline, a --for grant only the deadline', () => {
    const once = grantFor({ kind: 'once' }, NOW)!;
    assert.equal(once.uses, 1);
    assert.equal(Date.parse(once.expires_at!) - NOW.getTime(), ONCE_DEADLINE_MS);
    const timed = grantFor({ kind: 'for', ms: 120_000 }, NOW)!;
    assert.equal(timed.uses, undefined);
    assert.equal(timed.expires_at, '2026-12-04T10:02:00.000Z');
    assert.equal(grantFor({ kind: 'bottle' }, NOW), undefined);
    assert.notEqual(grantFor({ kind: 'once' }, NOW)!.id, once.id);
  });

  it('records no grant for the default and one for the others', () => {
    assert.equal(grantRecord({ kind: 'bottle' }, undefined), undefined);
    assert.equal(grantRecord({ kind: 'permanent' }, undefined)!.lifetime, 'permanent');
  });

  it('refuses lifetimes a tool cannot have', () => {
    assert.throws(
      () => refuseLifetime('capability-block', { kind: 'for', ms: 1000 }),
      /Dockerfile/,
    );
    assert.throws(() => refuseLifetime('gitleaks-allow', { kind: 'once' }), /gitleaks-allow/);
    assert.throws(() => refuseLifetime('egress-token-allow', { kind: 'permanent' }), /manifest/);
    assert.doesNotThrow(() => refuseLifetime('egress-token-allow', { kind: 'once' }));
    assert.doesNotThrow(() => refuseLifetime('egress-proxy-block', { kind: 'permanent' }));
  });

  it('prints durations for a person', () => {
    assert.equal(shortMs(90_000), '1m30s');
    assert.equal(shortMs(7_260_000), '2h1m');
    assert.equal(shortMs(-5), '0s');
  });
});
