import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpsViaProxy } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

const ROUTES = (port: number): string => `routes:
  - host: api.upstream.test:${port}
    paths: [/repos/acme/, /user, /reflect]
    methods: [GET, POST]
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: open.upstream.test:${port}
    private: true
  - host: noprivate.upstream.test:${port}
`;

describe('egress proxy: routes, credentials, refusals', () => {
  let fx: Fixture;
  const get = (name: string, path: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, fx.url(name, path), init);

  before(async () => {
    fx = await startFixture(ROUTES);
  });
  after(async () => {
    await fx.close();
  });

  it('allows a listed path, injects the route credential and strips the agent ones', async () => {
    const res = await get('api', '/repos/acme/widgets', {
      headers: {
        authorization: 'token agent-placeholder',
        'x-api-key': 'agent-key',
        cookie: 'a=b',
      },
    });
    assert.equal(res.status, 200);
    const seen = fx.upstream.seen.at(-1)!;
    assert.equal(seen.url, '/repos/acme/widgets');
    assert.equal(seen.headers.authorization, `Bearer ${OWN_SECRET}`);
    assert.equal(seen.headers['x-api-key'], undefined);
    assert.equal(seen.headers.cookie, undefined);
  });

  it('refuses a path outside the prefixes with 403 naming the rule, the file and the tool', async () => {
    const before = fx.upstream.seen.length;
    const res = await get('api', '/orgs/evil');
    assert.equal(res.status, 403);
    assert.match(
      res.body,
      /routes\[0\] \(api\.upstream\.test:\d+\) allows only paths starting with/,
    );
    assert.match(res.body, /\/etc\/claude-bottle\/current-config\/routes\.yaml/);
    assert.match(res.body, /egress-proxy-block/);
    assert.equal(fx.upstream.seen.length, before, 'the upstream must not be contacted');
  });

  it('refuses an unlisted method with 403', async () => {
    const res = await get('api', '/repos/acme/widgets', { method: 'DELETE' });
    assert.equal(res.status, 403);
    assert.match(res.body, /allows only methods GET, POST/);
  });

  it('intercepts CONNECT to an unlisted host so the 403 arrives inside TLS', async () => {
    const res = await get('unlisted', '/');
    assert.equal(res.status, 403);
    assert.match(res.body, /no rule in routes\.yaml names the host unlisted\.upstream\.test/);
  });

  it('refuses git smart-HTTP push on every host, pointing at git-gate', async () => {
    const push = await get('open', '/acme/repo.git/git-receive-pack', {
      method: 'POST',
      body: '0000',
    });
    assert.equal(push.status, 403);
    assert.match(push.body, /git-gate/);
    const refs = await get('open', '/acme/repo.git/info/refs?service=git-receive-pack');
    assert.equal(refs.status, 403);
    const fetch = await get('open', '/acme/repo.git/info/refs?service=git-upload-pack');
    assert.equal(fetch.status, 200);
  });

  it('refuses traversal and encoded separators with 400 before matching', async () => {
    for (const path of [
      '/repos/acme/../../admin',
      '/repos/acme/%2e%2e/x',
      '/repos/acme%2Fx',
      '/repos/acme/%5cx',
    ]) {
      const res = await get('api', path);
      assert.equal(res.status, 400, path);
    }
  });

  it('refuses a GitHub-token-shaped body without reaching the upstream', async () => {
    const before = fx.upstream.seen.length;
    const res = await get('open', '/upload', {
      method: 'POST',
      body: JSON.stringify({ note: `ghp_${'A1b2C3d4E5'.repeat(4)}` }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 403);
    assert.match(res.body, /github-token/);
    assert.equal(fx.upstream.seen.length, before);
  });

  it('refuses the base64 of the bottle secret in a body, and the secret URL-encoded in a form', async () => {
    const before = fx.upstream.seen.length;
    const b64 = Buffer.from(`user:${OWN_SECRET}`).toString('base64');
    const res = await get('open', '/upload', { method: 'POST', body: `{"blob":"${b64}"}` });
    assert.equal(res.status, 403);
    assert.match(res.body, /own-secret:github/);
    assert.match(res.body, /not approvable/);
    const form = await get('open', '/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `x=${[...OWN_SECRET].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`,
    });
    assert.equal(form.status, 403);
    assert.equal(fx.upstream.seen.length, before);
  });

  it('refuses the bottle secret in a header and in a query string', async () => {
    const before = fx.upstream.seen.length;
    const header = await get('open', '/x', { headers: { 'x-debug': OWN_SECRET } });
    assert.equal(header.status, 403);
    const query = await get('open', `/x?k=${encodeURIComponent(OWN_SECRET)}`);
    assert.equal(query.status, 403);
    assert.equal(fx.upstream.seen.length, before);
  });

  it('finds a secret split across body chunks', async () => {
    const before = fx.upstream.seen.length;
    const body = Buffer.concat([
      Buffer.alloc(100_000, 'x'),
      Buffer.from(OWN_SECRET),
      Buffer.alloc(100_000, 'y'),
    ]);
    const res = await get('open', '/upload', { method: 'POST', body });
    assert.equal(res.status, 403);
    assert.ok(
      fx.upstream.seen.length === before || fx.upstream.seen.at(-1)!.body.length < body.length,
    );
  });

  it('passes a large clean body through intact', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'abcdefghij');
    const res = await get('open', '/upload', { method: 'POST', body });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).bytes, body.length);
  });

  it('refuses with 502 a response that reflects the injected credential', async () => {
    const res = await get('api', '/reflect');
    assert.equal(res.status, 502);
    assert.match(res.body, /own secret "github"/);
    assert.ok(!res.body.includes(OWN_SECRET));
  });

  it('refuses a loopback upstream when the route lacks private: true', async () => {
    const res = await get('noprivate', '/');
    assert.equal(res.status, 403);
    assert.match(res.body, /127\.0\.0\.1, a loopback, private or link-local address/);
  });

  it('writes one JSON decision line per request and never a secret value', () => {
    assert.ok(fx.proxy.decisions.length >= 10);
    for (const line of fx.proxy.decisions) {
      for (const key of ['ts', 'host', 'method', 'path', 'route', 'decision', 'status', 'ms']) {
        assert.ok(key in line, `decision line lacks ${key}: ${JSON.stringify(line)}`);
      }
    }
    const output = fx.proxy.output();
    assert.ok(!output.includes(OWN_SECRET));
    assert.ok(!output.includes(Buffer.from(`user:${OWN_SECRET}`).toString('base64')));
    assert.ok(!output.includes('A1b2C3d4E5A1b2C3d4E5'));
  });
});
