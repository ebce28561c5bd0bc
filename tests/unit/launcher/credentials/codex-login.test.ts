import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import {
  CODEX_TOKEN_URL_ENV,
  jwtClaims,
  readCodexLogin,
  REFRESH_MARGIN_MS,
} from '../../../../launcher/credentials/codex-login.js';
import type { LoadedBottle } from '../../../../launcher/manifest/index.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

const NOW = Date.UTC(2026, 11, 2, 12);
const AUTH = { chatgpt_account_id: 'acct-1', chatgpt_plan_type: 'pro', chatgpt_user_id: 'user-1' };
const jwt = (claims: Record<string, unknown>) =>
  [{ alg: 'RS256' }, claims]
    .map((p) => Buffer.from(JSON.stringify(p)).toString('base64url'))
    .join('.') + `.${randomBytes(48).toString('base64url')}`;

function login(expiresInMs: number) {
  const exp = Math.floor((NOW + expiresInMs) / 1000);
  return {
    id_token: jwt({
      email: 'me@example.test',
      'https://api.openai.com/auth': { ...AUTH, secret_thing: 'x' },
      sub: 'auth0|1',
      exp,
    }),
    access_token: jwt({ 'https://api.openai.com/auth': AUTH, scp: ['openid'], exp }),
    refresh_token: `rt_${randomBytes(24).toString('hex')}`,
  };
}

async function setUp(tokens: Record<string, string> | string) {
  const text =
    typeof tokens === 'string'
      ? tokens
      : JSON.stringify({
          auth_mode: 'chatgpt',
          OPENAI_API_KEY: null,
          tokens: { ...tokens, account_id: 'acct-1' },
          last_refresh: new Date(NOW).toISOString(),
        });
  const tree = await tempTree({ 'home/bottles/auth.json': text });
  trees.push(tree);
  const bottle = { name: 'b', file: tree.path('home/bottles/b.md') } as LoadedBottle;
  return { bottle, file: tree.path('home/bottles/auth.json') };
}

describe('a Codex ChatGPT login made ready for a bottle', () => {
  it('gives the proxy the real access token and the agent placeholders with the same claims and expiry', async () => {
    const real = login(5 * 86_400_000);
    const { bottle } = await setUp(real);
    const ready = await readCodexLogin(bottle, 'auth.json', { env: {}, now: () => NOW });
    assert.equal(ready.accessToken, real.access_token);
    assert.match(ready.expiry, /^expires in 5d 0h$/);
    for (const value of [
      ...Object.values(real),
      ...Object.values(real).map((t) => t.split('.').at(-1)!),
    ])
      assert.ok(
        !ready.placeholderAuthJson.includes(value),
        'a real token part is in the placeholder',
      );
    const agent = JSON.parse(ready.placeholderAuthJson) as {
      OPENAI_API_KEY: null;
      tokens: Record<string, string>;
    };
    const id = jwtClaims(agent.tokens.id_token!)!;
    assert.deepEqual(id['https://api.openai.com/auth'], AUTH, 'only the claims Codex reads');
    assert.equal(id.email, 'me@example.test');
    assert.equal(id.sub, undefined);
    assert.equal(jwtClaims(agent.tokens.access_token!)!.exp, jwtClaims(real.access_token)!.exp);
    assert.equal(agent.tokens.account_id, 'acct-1');
    assert.match(agent.tokens.refresh_token!, /placeholder/);
    assert.equal(agent.OPENAI_API_KEY, null);
  });

  it('near expiry: refreshes on the host, writes the rotated tokens back (0600), the agent gets the new expiry', async () => {
    const real = login(REFRESH_MARGIN_MS - 60_000);
    const fresh = login(10 * 86_400_000);
    const { bottle, file } = await setUp(real);
    const sent: { url: string; body: Record<string, unknown> }[] = [];
    const fetch = ((url: string, init: RequestInit) => {
      sent.push({ url, body: JSON.parse(init.body as string) as Record<string, unknown> });
      return Promise.resolve(new Response(JSON.stringify(fresh), { status: 200 }));
    }) as unknown as typeof globalThis.fetch;
    const ready = await readCodexLogin(bottle, 'auth.json', {
      env: { [CODEX_TOKEN_URL_ENV]: 'http://127.0.0.1:9/token' },
      now: () => NOW,
      fetch,
    });
    assert.deepEqual(
      sent.map((s) => [s.url, s.body.grant_type, s.body.refresh_token]),
      [['http://127.0.0.1:9/token', 'refresh_token', real.refresh_token]],
    );
    assert.equal(ready.accessToken, fresh.access_token);
    assert.match(ready.expiry, /^refreshed, expires in 10d 0h$/);
    const host = JSON.parse(await readFile(file, 'utf8')) as {
      tokens: Record<string, string>;
      last_refresh: string;
      auth_mode: string;
    };
    assert.equal(host.tokens.refresh_token, fresh.refresh_token);
    assert.equal(host.tokens.account_id, 'acct-1', 'other fields are kept');
    assert.equal(host.auth_mode, 'chatgpt');
    assert.equal(host.last_refresh, new Date(NOW).toISOString());
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('a refresh that fails tells the operator to sign in again, without the answer’s body', async () => {
    const real = login(-60_000);
    const { bottle } = await setUp(real);
    const fetch = (() =>
      Promise.resolve(
        new Response(`{"error":"invalid_grant","token":"${real.refresh_token}"}`, {
          status: 401,
        }),
      )) as unknown as typeof globalThis.fetch;
    await assert.rejects(
      readCodexLogin(bottle, 'auth.json', { env: {}, now: () => NOW, fetch }),
      (error: Error & { code: string; hint: string }) => {
        assert.equal(error.code, 'CREDENTIAL_INVALID');
        assert.match(
          error.message,
          /refreshing it at https:\/\/auth\.openai\.com\/oauth\/token failed: HTTP 401/,
        );
        assert.match(error.hint, /codex login/);
        assert.ok(!error.message.includes(real.refresh_token));
        return true;
      },
    );
  });

  it('refuses a missing file, an API-key auth.json and a token that is not a JWT, each with what to do', async () => {
    const missing = await setUp('{}');
    await assert.rejects(
      readCodexLogin(missing.bottle, 'nope.json', { env: {} }),
      /no Codex login at .*nope\.json/,
    );
    const apiKey = await setUp('{"OPENAI_API_KEY":"sk-x"}');
    await assert.rejects(
      readCodexLogin(apiKey.bottle, 'auth.json', { env: {} }),
      (error: Error & { hint: string }) => {
        assert.match(error.message, /holds an API key, not a ChatGPT login/);
        assert.match(error.hint, /auth_token: openai/);
        return true;
      },
    );
    const opaque = await setUp({ id_token: 'x', access_token: 'opaque', refresh_token: 'r' });
    await assert.rejects(
      readCodexLogin(opaque.bottle, 'auth.json', { env: {} }),
      /not a JWT with an expiry/,
    );
  });

  it('defaults to $CODEX_HOME/auth.json, then ~/.codex/auth.json', async () => {
    const { bottle, file } = await setUp(login(86_400_000 * 3));
    const home = file.slice(0, -'/auth.json'.length);
    const viaCodexHome = await readCodexLogin(bottle, undefined, {
      env: { CODEX_HOME: home },
      now: () => NOW,
    });
    assert.equal(viaCodexHome.file, file);
    await assert.rejects(
      readCodexLogin(bottle, undefined, { env: { HOME: '/nonexistent-home' } }),
      /no Codex login at \/nonexistent-home\/\.codex\/auth\.json/,
    );
  });
});
