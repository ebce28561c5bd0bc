import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BottleSchema, credentialOf } from '../../../../launcher/manifest/index.js';

const issues = (config: Record<string, unknown>) => {
  const parsed = BottleSchema.safeParse(config);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('auth_token: the three forms and what each provider accepts', () => {
  it('normalizes a bare secret, {secret, kind} and {from: codex-login, path}', () => {
    const of = (config: Record<string, unknown>) =>
      credentialOf({ config: BottleSchema.parse({ secrets: { k: 'env:K' }, ...config }) });
    assert.deepEqual(of({ auth_token: 'k' }), { source: 'secret', secret: 'k' });
    assert.deepEqual(of({ auth_token: { secret: 'k', kind: 'oauth' } }), {
      source: 'secret',
      secret: 'k',
      kind: 'oauth',
    });
    assert.deepEqual(
      of({ agent_provider: 'codex', auth_token: { from: 'codex-login', path: '~/x.json' } }),
      { source: 'codex-login', path: '~/x.json' },
    );
    assert.equal(of({}), undefined);
  });

  it('names a wrong key with a did-you-mean and a misplaced one with the form it belongs to', () => {
    assert.deepEqual(issues({ auth_token: { secrt: 'k' } }), [
      'auth_token.secrt: unknown key "secrt" → did you mean "secret"?',
    ]);
    assert.match(
      issues({ auth_token: { from: 'codex-login', kind: 'oauth' } })[0]!,
      /"kind" does not go with "from"/,
    );
    assert.match(
      issues({ auth_token: { secret: 'k', kind: 'oath' } })[0]!,
      /kind is one of api_key, oauth, bearer/,
    );
    assert.match(
      issues({ auth_token: { from: 'claude-login' } })[0]!,
      /from names a sign-in on the host: codex-login/,
    );
    assert.match(
      issues({ auth_token: 7 })[0]!,
      /auth_token is a secret name, \{secret, kind\}, or \{from: codex-login\}/,
    );
  });

  it('refuses a sign-in the provider does not have, with the one it does', () => {
    assert.match(
      issues({ auth_token: { from: 'codex-login' } })[0]!,
      /codex-login is the Codex CLI's ChatGPT sign-in → for Claude/,
    );
    assert.match(
      issues({ agent_provider: 'codex', auth_token: { secret: 'k', kind: 'oauth' } })[0]!,
      /Codex takes an OpenAI API key \(kind: api_key\) or a ChatGPT login/,
    );
    assert.match(
      issues({ agent_provider: 'none', auth_token: 'k' })[0]!,
      /provider none runs no CLI/,
    );
    assert.match(
      issues({
        agent_provider: 'codex',
        auth_token: { from: 'codex-login' },
        secrets: { 'codex-login': 'env:X' },
      })[0]!,
      /^secrets\.codex-login: "codex-login" is the name the login's access token goes by/,
    );
  });
});
