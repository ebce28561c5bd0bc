import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeniedEntrySchema } from '../../../images/egress-proxy/denied-entry.js';
import { httpsViaProxy } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

const ROUTES = (port: number): string => `routes:
  - host: api.upstream.test:${port}
    paths: [/allowed]
    methods: [GET]
    private: true
  - host: open.upstream.test:${port}
    private: true
  - host: noprivate.upstream.test:${port}
`;

describe('egress proxy: the denied log (--denied-log)', () => {
  let fx: Fixture;
  let dir = '';
  let file = '';
  const get = (name: string, path: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, fx.url(name, path), init);

  /** The file's entries once it holds at least `count` (the proxy appends every 250 ms). */
  async function entries(count: number): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const text = await readFile(file, 'utf8').catch(() => '');
      const lines = text.split('\n').filter((line) => line !== '');
      if (lines.length >= count)
        return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      if (Date.now() > deadline) throw new Error(`only ${lines.length} denied lines: ${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-denied-it-'));
    await mkdir(join(dir, 'denied'));
    file = join(dir, 'denied', 'denied.jsonl');
    fx = await startFixture(ROUTES, ['--denied-log', file]);
  });
  after(async () => {
    await fx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a refused request appears with its port, without its query, headers or body', async () => {
    assert.equal((await get('api', '/allowed')).status, 200);
    const refused = await get('api', '/other/thing?q=query-marker-91&x=1', {
      method: 'GET',
      headers: { 'x-note': 'header-marker-92' },
    });
    assert.equal(refused.status, 403);
    const posted = await get('api', '/allowed', { method: 'POST', body: 'body-marker-93' });
    assert.equal(posted.status, 403);
    const [first, second] = await entries(2);
    assert.deepEqual(
      { ...first, ts: undefined },
      {
        ts: undefined,
        method: 'GET',
        host: 'api.upstream.test',
        port: fx.upstream.port,
        path: '/other/thing',
        reason: 'no-route',
        route: `routes[0] (api.upstream.test:${fx.upstream.port})`,
        status: 403,
      },
    );
    assert.equal(second?.method, 'POST');
    assert.equal(second?.path, '/allowed');
    const text = await readFile(file, 'utf8');
    for (const marker of ['query-marker', 'header-marker', 'body-marker', 'q='])
      assert.ok(!text.includes(marker), `${marker} must never reach the denied log`);
    for (const entry of [first, second]) assert.ok(DeniedEntrySchema.safeParse(entry).success);
  });

  it('a private-address and a DLP refusal are kept with their reasons; the secret never is', async () => {
    const before = (await entries(0)).length;
    assert.equal((await get('noprivate', '/x')).status, 403);
    assert.equal((await get('open', `/leak/${OWN_SECRET}`)).status, 403);
    const added = (await entries(before + 2)).slice(before);
    assert.deepEqual(
      added.map((entry) => [entry.host, entry.reason]),
      [
        ['noprivate.upstream.test', 'private-address'],
        ['open.upstream.test', 'dlp'],
      ],
    );
    assert.ok(typeof added[1]?.detector === 'string');
    assert.ok(!(await readFile(file, 'utf8')).includes(OWN_SECRET));
  });

  it('a secret carried in a host name (no route names it) is redacted in both logs', async () => {
    const before = (await entries(0)).length;
    const hex = Buffer.from(OWN_SECRET).toString('hex');
    const res = await httpsViaProxy(
      fx.proxy.port,
      fx.bottleCa.certPem,
      `https://${hex}.nohost.test:443/p`,
    );
    assert.equal(res.status, 403);
    const [added] = (await entries(before + 1)).slice(before);
    assert.equal(added?.reason, 'no-route');
    assert.match(String(added?.host), /\[REDACTED\]/);
    for (const text of [await readFile(file, 'utf8'), fx.proxy.output()]) {
      assert.ok(!text.includes(hex), 'the hex of the secret is in neither log');
      assert.ok(!text.includes(OWN_SECRET));
    }
  });
});
