import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { httpsViaProxy, tunnel } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

/** A second own secret whose base64 holds a "+" (`cGx1cz4+Pj5zZWNyZXQtOVpx`). */
const PLUS_SECRET = 'plus>>>>secret-9Zq';

/**
 * Regressions for a security review: the injected credential read back through an Upgrade
 * refusal, a 101's headers or a compressed response; git push refusal bypasses; credentials
 * injected into plain http; compressed request bodies and "+" in base64 query values passing
 * DLP unscanned.
 */
describe('egress proxy: security review regressions', () => {
  let fx: Fixture;
  let plain: Server; // a plain-http upstream on loopback
  const plainSeen: IncomingHttpHeaders[] = [];
  const plainPort = (): number => (plain.address() as AddressInfo).port;
  const get = (name: string, path: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, fx.url(name, path), init);

  /** A plain-http request in absolute form, as an agent's tool sends one through HTTP_PROXY. */
  const viaHttp = async (
    url: string,
    headers: OutgoingHttpHeaders = {},
  ): Promise<{ status: number; body: string }> => {
    const req = httpRequest({ host: '127.0.0.1', port: fx.proxy.port, path: url, headers });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
  };

  /** Sends an Upgrade request inside a tunnel; returns what arrives before close or 101's end. */
  const upgrade = async (name: string, path: string): Promise<string> => {
    const socket = await tunnel(
      fx.proxy.port,
      `${name}.upstream.test`,
      fx.upstream.port,
      fx.bottleCa.certPem,
    );
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${name}.upstream.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    const closed = once(socket, 'close');
    for (;;) {
      if (/^HTTP\/1\.1 101[^]*\r\n\r\n/.test(text)) break;
      const done = await Promise.race([closed.then(() => true), once(socket, 'data')]);
      if (done === true) break;
    }
    socket.destroy();
    return text;
  };

  before(async () => {
    plain = createServer((req, res) => {
      plainSeen.push(req.headers);
      res.end('plain upstream');
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    fx = await startFixture(
      (port) => `routes:
  - host: api.upstream.test:${port}
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: api.upstream.test:${plainPort()}
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: added.upstream.test
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: open.upstream.test:${port}
    private: true
  - host: open.upstream.test:${plainPort()}
    private: true
  - host: open.upstream.test
    private: true
`,
      [],
      {},
      { plus: PLUS_SECRET },
    );
  });
  after(async () => {
    await fx.close();
    plain.closeAllConnections();
    plain.close();
  });

  describe('1a: Upgrade responses are checked for the injected credential', () => {
    it('refuses with 502 an Upgrade refusal whose body echoes the credential', async () => {
      const text = await upgrade('api', '/ws-reflect');
      assert.ok(!text.includes(OWN_SECRET), 'the secret reached the agent');
      assert.match(text, /^HTTP\/1\.1 502/);
      assert.match(text, /own secret "github"/);
    });

    it('refuses with 502 a 101 whose headers echo the credential', async () => {
      const text = await upgrade('api', '/ws-reflect-101');
      assert.ok(!text.includes(OWN_SECRET), 'the secret reached the agent');
      assert.match(text, /^HTTP\/1\.1 502/);
    });

    it('still relays a clean Upgrade on a route with auth', async () => {
      assert.match(await upgrade('api', '/ws'), /^HTTP\/1\.1 101/);
    });
  });

  describe('1b: compressed responses cannot hide a reflected credential', () => {
    it('asks the upstream for identity on a route with auth', async () => {
      const res = await get('api', '/plain', { headers: { 'accept-encoding': 'gzip, br' } });
      assert.equal(res.status, 200);
      assert.equal(fx.upstream.seen.at(-1)!.headers['accept-encoding'], 'identity');
    });

    it('refuses with 502 a gzip response on a route with auth', async () => {
      const res = await get('api', '/reflect-gzip', { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.headers['content-encoding'], undefined, 'a compressed body was relayed');
      assert.equal(res.status, 502);
      assert.match(res.body, /content-encoding "gzip"/);
    });

    it('leaves Accept-Encoding alone on routes without auth', async () => {
      const res = await get('open', '/x', { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200);
      assert.equal(fx.upstream.seen.at(-1)!.headers['accept-encoding'], 'gzip');
    });
  });

  describe('2: git smart-HTTP push refusal cannot be side-stepped', () => {
    const pushes: [string, string, OutgoingHttpHeaders?][] = [
      ['POST', '/r.git/git-receive-pack;x=1'],
      ['POST', '/r.git/GIT-RECEIVE-PACK'],
      ['POST', '/r.git/git-receive-pack/'],
      ['POST', '/r.git/git-receive-pack/.'],
      ['POST', '/r.git;a/git-receive-pack;b/'],
      ['GET', '/r.git/info/refs?service=git%2Dreceive-pack'],
      ['GET', '/r.git/info/refs;x?service=git-receive-pack'],
      ['GET', '/r.git/INFO/Refs/?SERVICE=Git-Receive-Pack'],
      ['POST', '/anything', { 'content-type': 'application/x-git-receive-pack-request' }],
    ];
    for (const [method, path, headers] of pushes) {
      it(`refuses ${method} ${path}${headers ? ' with a receive-pack body' : ''}`, async () => {
        const before = fx.upstream.seen.length;
        const body = method === 'POST' ? '0000' : undefined;
        const res = await get('open', path, { method, headers: headers ?? {}, body });
        assert.equal(res.status, 403, res.body);
        assert.match(res.body, /git-gate/);
        assert.equal(fx.upstream.seen.length, before, 'the upstream must not be contacted');
      });
    }

    it('still allows git fetch', async () => {
      const refs = await get('open', '/r.git/info/refs?service=git-upload-pack');
      assert.equal(refs.status, 200);
      const pack = await get('open', '/r.git/git-upload-pack', {
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request' },
        body: '0000',
      });
      assert.equal(pack.status, 200);
    });
  });

  describe('3: credentials are injected only over TLS', () => {
    it('refuses plain http on a route with auth without contacting the upstream', async () => {
      const before = plainSeen.length;
      const res = await viaHttp(`http://api.upstream.test:${plainPort()}/x`);
      assert.equal(res.status, 403);
      assert.match(res.body, /only into requests that reach the upstream over TLS/);
      assert.equal(plainSeen.length, before, 'the upstream must not be contacted');
    });

    it('refuses plain http to port 80 on a host-only route with auth', async () => {
      const res = await viaHttp('http://added.upstream.test/x');
      assert.equal(res.status, 403);
      assert.match(res.body, /over TLS/);
    });

    it('refuses plain http to port 443, with or without auth', async () => {
      for (const name of ['added', 'open']) {
        const res = await viaHttp(`http://${name}.upstream.test:443/x`);
        assert.equal(res.status, 403, name);
        assert.match(res.body, /port 443/);
      }
    });

    it('still forwards plain http on a route without auth', async () => {
      const res = await viaHttp(`http://open.upstream.test:${plainPort()}/x`);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'plain upstream');
    });
  });

  describe('4: DLP sees compressed bodies and "+" in queries', () => {
    it('refuses a compressed request body on a dlp route without reaching the upstream', async () => {
      const before = fx.upstream.seen.length;
      const res = await get('open', '/upload', {
        method: 'POST',
        headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
        body: gzipSync(JSON.stringify({ leak: OWN_SECRET })),
      });
      assert.equal(res.status, 403);
      assert.match(res.body, /content-encoding "gzip"/);
      assert.equal(fx.upstream.seen.length, before);
    });

    it('still passes an identity-encoded body', async () => {
      const res = await get('open', '/upload', {
        method: 'POST',
        headers: { 'content-encoding': 'identity' },
        body: 'hello',
      });
      assert.equal(res.status, 200);
    });

    it('finds a base64 own secret holding "+" in the raw query', async () => {
      const b64 = Buffer.from(PLUS_SECRET).toString('base64');
      assert.ok(b64.includes('+'));
      const before = fx.upstream.seen.length;
      const res = await get('open', `/x?blob=${b64}`);
      assert.equal(res.status, 403);
      assert.match(res.body, /own-secret:plus/);
      assert.equal(fx.upstream.seen.length, before);
    });
  });

  it('never logs a secret value', () => {
    const output = fx.proxy.output();
    assert.ok(!output.includes(OWN_SECRET));
    assert.ok(!output.includes(PLUS_SECRET));
    assert.ok(!output.includes(Buffer.from(PLUS_SECRET).toString('base64')));
  });
});
