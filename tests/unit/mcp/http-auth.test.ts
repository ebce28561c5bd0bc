import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedHostSet, bearerMatches, hostAllowed } from '../../../mcp/transports/http-auth.js';

describe('HTTP Host and bearer checks', () => {
  it('accepts each allowed name bare and with the port only', () => {
    const allowed = allowedHostSet(['supervise', '::1'], 8080);
    for (const host of ['supervise', 'supervise:8080', 'SUPERVISE:8080', '[::1]:8080']) {
      assert.equal(hostAllowed(host, allowed), true, host);
    }
    for (const host of [undefined, '', 'supervise:8081', 'evil.test', 'supervise.evil.test']) {
      assert.equal(hostAllowed(host, allowed), false, String(host));
    }
  });

  it('compares the bearer token exactly', () => {
    const token = 'a'.repeat(32);
    assert.equal(bearerMatches(`Bearer ${token}`, token), true);
    assert.equal(bearerMatches(`bearer ${token}`, token), true);
    for (const header of [
      undefined,
      '',
      token,
      `Bearer ${token}a`,
      `Bearer ${token.slice(1)}`,
      `Basic ${token}`,
    ]) {
      assert.equal(bearerMatches(header, token), false, String(header));
    }
    assert.equal(bearerMatches('Bearer ', ''), false);
  });
});
