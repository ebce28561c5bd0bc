import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { httpsViaProxy } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

/**
 * A database URL, hex-encoded: 58 characters, one label. (Not the bottle's own secret: DLP
 * already finds that hex-encoded in the Host header of an intercepted request.)
 */
const HEX = Buffer.from('pg://admin:Tr0ub4dor3@db:5432').toString('hex');
/** The bottle's own secret, hex-encoded: a CONNECT authority is not scanned by DLP. */
const OWN_HEX = Buffer.from(OWN_SECRET).toString('hex');
/** base32 of a GitHub-token-shaped string, split over four labels. */
const BASE32 = 'm5uhax2bgfrdeqzt.mq2eknlggzdto2by.je4wumclgfwdetjt.ny2e6nlqgzito4ry';
/** A long random-looking name the operator routes exactly. */
const EXACT = 'k7x9q2m4v8w3z6p1r5t0y4u8i2o6a3s9d7f1g5h3j8.wild.upstream.test';

const NAMES = [
  'api.wild.upstream.test',
  `${HEX}.x.wild.upstream.test`,
  `${BASE32}.wild.upstream.test`,
  EXACT,
  'api.tunnel.upstream.test',
  `${OWN_HEX}.tunnel.upstream.test`,
];

const ROUTES = (port: number): string => `routes:
  - host: "*.wild.upstream.test:${port}"
    private: true
  - host: ${EXACT}:${port}
    private: true
  - host: "*.tunnel.upstream.test:${port}"
    tls: passthrough
    private: true
`;

/**
 * Sends raw bytes to the proxy and returns what it answers before closing, or just the first
 * chunk when that opens a tunnel (which would stay open).
 */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = netConnect(port, '127.0.0.1');
  socket.write(bytes);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (/^HTTP\/1\.1 200/.test(Buffer.concat(chunks).toString('latin1'))) socket.destroy();
  });
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

describe('egress proxy: encoded names under wildcard routes', () => {
  let fx: Fixture;
  const get = (host: string, path = '/') =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, `https://${host}:${fx.upstream.port}${path}`);

  /** The first decision line from `from` on that matches, waiting for it to be written. */
  async function decision(
    from: number,
    match: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = fx.proxy.decisions.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such decision line');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const encodedHost = (line: Record<string, unknown>): boolean => line.reason === 'encoded-host';

  before(async () => {
    const resolve = NAMES.flatMap((name) => ['--resolve', `${name}=127.0.0.1`]);
    fx = await startFixture(ROUTES, resolve);
  });
  after(async () => {
    await fx.close();
  });

  it('admits an ordinary name under the wildcard', async () => {
    const res = await get('api.wild.upstream.test', '/ok');
    assert.equal(res.status, 200);
    assert.equal(fx.upstream.seen.at(-1)!.url, '/ok');
  });

  it('refuses a label holding a hex-encoded secret without contacting the upstream', async () => {
    const seen = fx.upstream.seen.length;
    const from = fx.proxy.decisions.length;
    const res = await get(`${HEX}.x.wild.upstream.test`);
    assert.equal(res.status, 403);
    assert.match(res.body, /routes\[0\] \(\*\.wild\.upstream\.test:\d+\)/);
    assert.match(res.body, /looks like encoded data: "70673a2f…" \(58 characters\) is all hex/);
    assert.match(res.body, /egress-proxy-block/);
    assert.match(res.body, /exact route/);
    assert.equal(fx.upstream.seen.length, seen, 'the upstream must not be contacted');
    const line = await decision(from, encodedHost);
    assert.equal(line.status, 403);
    assert.equal(line.decision, 'deny');
    assert.equal(line.host, '[60 characters withheld].wild.upstream.test');
    assert.ok(!fx.proxy.output().includes(HEX), 'the encoded name must not reach the logs');
  });

  it('refuses base32 split over several labels', async () => {
    const seen = fx.upstream.seen.length;
    const from = fx.proxy.decisions.length;
    const res = await get(`${BASE32}.wild.upstream.test`);
    assert.equal(res.status, 403);
    assert.match(res.body, /its 4 labels hold about \d+ bits of random-looking characters/);
    assert.equal(fx.upstream.seen.length, seen);
    const line = await decision(from, encodedHost);
    assert.equal(line.status, 403);
  });

  it('refuses an encoded name in a plain http:// request too', async () => {
    const host = `${HEX}.x.wild.upstream.test:${fx.upstream.port}`;
    const answer = await raw(
      fx.proxy.port,
      `GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 403/);
    assert.match(answer, /looks like encoded data/);
  });

  it('admits a long random-looking name that an exact route names', async () => {
    const res = await get(EXACT, '/exact');
    assert.equal(res.status, 200);
    assert.equal(fx.upstream.seen.at(-1)!.url, '/exact');
  });

  it('tunnels an ordinary name on a passthrough wildcard', async () => {
    const connect = netConnect(fx.proxy.port, '127.0.0.1');
    connect.write(
      `CONNECT api.tunnel.upstream.test:${fx.upstream.port} HTTP/1.1\r\nHost: api.tunnel.upstream.test\r\n\r\n`,
    );
    const [first] = (await once(connect, 'data')) as [Buffer];
    assert.match(first.toString('latin1'), /^HTTP\/1\.1 200/);
    const tls = tlsConnect({
      socket: connect,
      servername: 'api.tunnel.upstream.test',
      ca: fx.upstreamCa.certPem,
    });
    await once(tls, 'secureConnect');
    tls.destroy();
  });

  it('refuses the CONNECT itself for an encoded name on a passthrough wildcard', async () => {
    const from = fx.proxy.decisions.length;
    const host = `${OWN_HEX}.tunnel.upstream.test:${fx.upstream.port}`;
    const answer = await raw(fx.proxy.port, `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 403/);
    assert.match(answer, /routes\[2\] \(\*\.tunnel\.upstream\.test:\d+\)/);
    assert.match(answer, /is all hexadecimal/);
    const line = await decision(from, encodedHost);
    assert.equal(line.method, 'CONNECT');
    assert.equal(line.decision, 'deny');
    assert.equal(line.host, '[54 characters withheld].tunnel.upstream.test');
  });

  it('never writes an encoded name to its logs', () => {
    assert.ok(!fx.proxy.output().includes(HEX));
    assert.ok(!fx.proxy.output().includes(OWN_HEX));
    assert.ok(!fx.proxy.output().includes(BASE32.split('.')[0]!));
  });
});
