import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpsViaProxy } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';
import { makeTestCa } from './helpers/pki.js';
import { startProxyProcess } from './helpers/proxy-process.js';

// A bottle's proxy reads its secrets from files (--secrets-dir), never from its environment,
// which `docker inspect` prints. The variables stay for running it by hand and the benchmarks.
const ENV_VALUE = 'env-value-that-must-be-ignored-0000';
const TOKEN = 'tok-from-the-file-9Xq2Lp7Vm3Rw';

const ROUTES = (port: number, extra = ''): string => `routes:
  - host: api.upstream.test:${port}
    methods: [GET]
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: open.upstream.test:${port}
    private: true
  - host: pass.upstream.test:${port}
    auth: {header: X-Token, secret: my-token}
    private: true
${extra}`;

describe('egress proxy: secrets from --secrets-dir', () => {
  let fx: Fixture;
  const get = (name: string, path: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, fx.url(name, path), init);

  before(async () => {
    fx = await startFixture(
      (port) => ROUTES(port),
      [],
      // Ignored once --secrets-dir is given: the folder is the one source.
      { EGRESS_SECRET_GITHUB: ENV_VALUE, EGRESS_SECRET_MY_TOKEN: ENV_VALUE },
      { 'my-token': TOKEN },
    );
  });
  after(async () => {
    await fx.close();
  });

  it('injects the value of the file named after the route secret, not the variable', async () => {
    assert.equal((await get('api', '/x')).status, 200);
    assert.equal(fx.upstream.seen.at(-1)!.headers.authorization, `Bearer ${OWN_SECRET}`);
    // A name with "-" is the file of that name.
    assert.equal((await get('pass', '/x')).status, 200);
    assert.equal(fx.upstream.seen.at(-1)!.headers['x-token'], TOKEN);
  });

  it('refuses the files’ values on the wire as the bottle’s own secrets', async () => {
    for (const value of [OWN_SECRET, TOKEN]) {
      const res = await get('open', `/x?k=${encodeURIComponent(value)}`);
      assert.equal(res.status, 403, value);
      assert.match(res.body, /dlp|secret/i);
    }
  });

  it('keeps the values across a SIGHUP reload of routes.yaml', async () => {
    const text = ROUTES(
      fx.upstream.port,
      `  - host: added.upstream.test:${fx.upstream.port}\n    auth: {header: Authorization, scheme: Bearer, secret: github}\n    private: true\n`,
    );
    await writeFile(fx.routesFile, text);
    const from = fx.proxy.logs.length;
    fx.proxy.child.kill('SIGHUP');
    await fx.proxy.waitForLog('routes_loaded', from);
    assert.equal((await get('added', '/y')).status, 200);
    assert.equal(fx.upstream.seen.at(-1)!.headers.authorization, `Bearer ${OWN_SECRET}`);
    assert.equal((await get('open', `/x?k=${OWN_SECRET}`)).status, 403);
  });

  it('never prints a value', () => {
    const output = fx.proxy.output();
    for (const value of [OWN_SECRET, TOKEN, ENV_VALUE]) assert.ok(!output.includes(value), value);
  });
});

describe('egress proxy: where secrets come from otherwise', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-proxy-secrets-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('without --secrets-dir reads EGRESS_SECRET_<NAME> (by hand, benchmarks)', async () => {
    // The fixture always passes --secrets-dir; this one is started by hand without it.
    const ca = await makeTestCa('bottle');
    const routesFile = join(dir, 'routes.yaml');
    await writeFile(routesFile, ROUTES(1));
    const proxy = await startProxyProcess(
      ['--routes', routesFile, '--ca-dir', ca.dir, '--listen', '127.0.0.1:0'],
      { EGRESS_SECRET_GITHUB: ENV_VALUE },
    );
    try {
      assert.ok(
        !proxy.logs.some((line) => line.event === 'secret_missing' && line.secret === 'github'),
      );
      const missing = proxy.logs.find((line) => line.event === 'secret_missing');
      assert.equal(missing?.secret, 'my-token');
      assert.equal(missing?.from, '$EGRESS_SECRET_MY_TOKEN');
    } finally {
      await proxy.stop();
    }
  });

  it('stops at start when --secrets-dir cannot be read, printing no value', async () => {
    const ca = await makeTestCa('bottle');
    const routesFile = join(dir, 'routes.yaml');
    await writeFile(routesFile, ROUTES(1));
    await assert.rejects(
      startProxyProcess(
        [
          '--routes',
          routesFile,
          '--ca-dir',
          ca.dir,
          '--listen',
          '127.0.0.1:0',
          '--secrets-dir',
          join(dir, 'gone'),
        ],
        { EGRESS_SECRET_GITHUB: ENV_VALUE },
      ),
      (error: Error) => {
        assert.match(error.message, /cannot read the secrets folder .*gone: ENOENT/);
        assert.ok(!error.message.includes(ENV_VALUE));
        return true;
      },
    );
  });

  it('names the missing file when a route’s secret has none', async () => {
    const ca = await makeTestCa('bottle');
    const routesFile = join(dir, 'routes.yaml');
    await writeFile(routesFile, ROUTES(1));
    const proxy = await startProxyProcess(
      ['--routes', routesFile, '--ca-dir', ca.dir, '--listen', '127.0.0.1:0', '--secrets-dir', dir],
      { EGRESS_SECRET_GITHUB: ENV_VALUE },
    );
    try {
      const missing = proxy.logs.filter((line) => line.event === 'secret_missing');
      assert.deepEqual(
        missing.map((line) => line.from),
        [join(dir, 'github'), join(dir, 'my-token')],
      );
    } finally {
      await proxy.stop();
    }
  });
});
