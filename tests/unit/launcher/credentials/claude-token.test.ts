import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claudeSignIn } from '../../../../launcher/credentials/claude-token.js';

const value = (prefix: string) => `${prefix}${'A'.repeat(80)}`;

describe('a Claude credential’s kind, told from its value', () => {
  it('reads the family prefix: sk-ant-oat → oauth, sk-ant-api → api_key, anything else → api_key', () => {
    assert.equal(claudeSignIn(value('sk-ant-oat01-'), undefined, 's'), 'oauth');
    assert.equal(claudeSignIn(value('sk-ant-api03-'), undefined, 's'), 'api_key');
    assert.equal(claudeSignIn(value('gw-'), undefined, 's'), 'api_key');
    assert.equal(claudeSignIn(value('gw-'), 'bearer', 's'), 'bearer');
  });

  it('refuses a refresh token and an admin key, and a declared kind the value contradicts, never printing it', () => {
    const secret = value('sk-ant-ort01-');
    for (const [input, declared, pattern] of [
      [secret, undefined, /refresh token \(sk-ant-ort…\)/],
      [value('sk-ant-admin01-'), undefined, /Admin API key/],
      [
        value('sk-ant-oat01-'),
        'api_key',
        /looks like a subscription token \(sk-ant-oat…\), but the bottle says kind: api_key/,
      ],
      [value('sk-ant-api03-'), 'oauth', /looks like an API key/],
    ] as const) {
      assert.throws(
        () => claudeSignIn(input, declared, 'claude'),
        (error: Error & { code?: string; hint?: string }) => {
          assert.equal(error.code, 'CREDENTIAL_INVALID');
          assert.match(error.message, pattern);
          assert.ok(!error.message.includes(input) && !error.hint?.includes(input));
          return true;
        },
      );
    }
  });
});
