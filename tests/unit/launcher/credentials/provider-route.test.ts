import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeProviderRoute,
  planProviderRoute,
} from '../../../../launcher/credentials/provider-route.js';
import { BottleSchema, type LoadedBottle } from '../../../../launcher/manifest/index.js';
import { routesYaml } from '../../../../launcher/state/live-config.js';

function bottle(config: Record<string, unknown>): LoadedBottle {
  return {
    name: 'b',
    file: '/home/bottles/b.md',
    notes: '',
    config: BottleSchema.parse({ secrets: { k: 'env:K' }, ...config }),
    lineOf: () => undefined,
  };
}

describe('the provider route auth_token adds', () => {
  it('Claude: the vendor host, /v1/, the key in x-api-key; a subscription token as a bearer', () => {
    const plan = planProviderRoute(bottle({ auth_token: 'k' }));
    assert.equal(plan.kind, 'added');
    assert.ok(plan.kind === 'added');
    assert.deepEqual(
      {
        host: plan.route.host,
        paths: plan.route.paths,
        auth: plan.route.auth,
        private: plan.route.private,
        dlp: plan.route.dlp,
      },
      {
        host: 'api.anthropic.com',
        paths: ['/v1/'],
        auth: { header: 'x-api-key', secret: 'k' },
        private: false,
        dlp: true,
      },
    );
    assert.ok(plan.toldAtStart);
    const oauth = planProviderRoute(bottle({ auth_token: 'k' }), 'oauth');
    assert.ok(oauth.kind === 'added');
    assert.deepEqual(oauth.route.auth, { header: 'Authorization', scheme: 'Bearer', secret: 'k' });
  });

  it('follows base_url: its host and port, its path before /v1/, private allowed (a gateway)', () => {
    const plan = planProviderRoute(
      bottle({
        agent_provider: { name: 'claude', base_url: 'https://GW.corp.example:8443/anthropic/' },
        auth_token: 'k',
      }),
    );
    assert.ok(plan.kind === 'added');
    assert.equal(plan.route.host, 'gw.corp.example:8443');
    assert.deepEqual(plan.route.paths, ['/anthropic/v1/']);
    assert.equal(plan.route.private, true);
  });

  it('Codex: the key as a bearer on /v1/; a ChatGPT login on the Codex API and the account check', () => {
    const key = planProviderRoute(bottle({ agent_provider: 'codex', auth_token: 'k' }));
    assert.ok(key.kind === 'added');
    assert.deepEqual(
      [key.route.host, key.route.paths, key.route.auth?.header],
      ['api.openai.com', ['/v1/'], 'Authorization'],
    );
    const login = planProviderRoute(
      bottle({ agent_provider: 'codex', auth_token: { from: 'codex-login' } }),
    );
    assert.ok(login.kind === 'added');
    assert.deepEqual(
      [login.route.host, login.route.paths, login.route.auth?.secret],
      ['chatgpt.com', ['/backend-api/codex/', '/backend-api/wham/'], 'codex-login'],
    );
  });

  it('a hand-written route for the same host (or a wildcard over it) wins, and check says so', () => {
    for (const host of ['api.anthropic.com', '*.anthropic.com']) {
      const plan = planProviderRoute(
        bottle({
          auth_token: 'k',
          egress: {
            routes: [{ host: 'x.test' }, { host, auth: { header: 'x-api-key', secret: 'k' } }],
          },
        }),
      );
      assert.equal(plan.kind, 'hand-written', host);
      assert.match(
        describeProviderRoute(plan)!,
        /the hand-written egress\.routes\[1\] .* is in force .*auth_token adds none/,
      );
    }
    const unauthenticated = planProviderRoute(
      bottle({ auth_token: 'k', egress: { routes: [{ host: 'api.anthropic.com' }] } }),
    );
    assert.match(describeProviderRoute(unauthenticated)!, /injects no credential/);
    // A wildcard over another domain, or a suffix that is not a label boundary, does not count.
    for (const host of ['*.anthropic.co', '*.com:8443']) {
      const plan = planProviderRoute(bottle({ auth_token: 'k', egress: { routes: [{ host }] } }));
      assert.equal(plan.kind, 'added', host);
    }
  });

  it('no auth_token, or provider none: no route', () => {
    assert.equal(planProviderRoute(bottle({})).kind, 'none');
    assert.equal(planProviderRoute(bottle({ agent_provider: 'none' })).kind, 'none');
  });

  it('routes.yaml gets the added route after the hand-written ones, and the proxy’s parser takes it', () => {
    const b = bottle({ auth_token: 'k', egress: { routes: [{ host: 'x.test' }] } });
    const text = routesYaml(b, planProviderRoute(b));
    assert.match(text, /added by the launcher from auth_token/);
    assert.ok(text.indexOf('x.test') < text.indexOf('api.anthropic.com'));
  });
});
