import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { connect as netConnect, createServer, type Server, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { httpsViaProxy, tunnel } from './helpers/client.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { makeTestCa } from './helpers/pki.js';
import { startUpstream, type TestUpstream } from './helpers/upstream.js';

/** Sends raw bytes to the proxy and returns what it answers before closing. */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = netConnect(port, '127.0.0.1');
  socket.write(bytes);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

describe('egress proxy: SIGHUP reload, WebSocket, passthrough and bad input', () => {
  let fx: Fixture;
  let foreign: TestUpstream; // an upstream whose CA the proxy does not trust
  let silent: Server; // accepts connections, never answers
  let closedPort: number;
  const routes = (port: number, extra = ''): string => `routes:
  - host: open.upstream.test:${port}
    private: true
  - host: untrusted.upstream.test:${foreign.port}
    private: true
  - host: down.upstream.test:${closedPort}
    private: true
  - host: open.upstream.test:${(silent.address() as AddressInfo).port}
    private: true
  - host: pass.upstream.test:${port}
    tls: passthrough
    private: true
${extra}`;

  before(async () => {
    foreign = await startUpstream(await makeTestCa('foreign'));
    silent = createServer(() => {}).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    closedPort = (probe.address() as AddressInfo).port;
    probe.close();
    fx = await startFixture(
      (port) => routes(port),
      ['--headers-timeout', '1', '--upstream-timeout', '1'],
    );
  });
  after(async () => {
    await fx.close();
    await foreign.close();
    silent.close();
  });
  const get = (url: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, url, init);

  it('SIGHUP makes a new rule take effect and logs the sha256 of the loaded file', async () => {
    assert.equal((await get(fx.url('added', '/'))).status, 403);
    const text = routes(
      fx.upstream.port,
      `  - host: added.upstream.test:${fx.upstream.port}\n    private: true\n`,
    );
    await writeFile(fx.routesFile, text);
    const from = fx.proxy.logs.length;
    fx.proxy.child.kill('SIGHUP');
    const loaded = await fx.proxy.waitForLog('routes_loaded', from);
    assert.equal(loaded.sha256, createHash('sha256').update(text).digest('hex'));
    assert.equal((await get(fx.url('added', '/'))).status, 200);
  });

  it('an invalid file on SIGHUP is logged and the old rules stay in force', async () => {
    await writeFile(fx.routesFile, 'routes:\n  - host: "*"\n    tls: sideways\n');
    const from = fx.proxy.logs.length;
    fx.proxy.child.kill('SIGHUP');
    const invalid = await fx.proxy.waitForLog('routes_invalid', from);
    assert.match(String(invalid.error), /routes\.yaml:2/);
    assert.equal((await get(fx.url('added', '/'))).status, 200);
  });

  it('relays a WebSocket upgrade on an allowed route', async () => {
    const socket = await tunnel(
      fx.proxy.port,
      'open.upstream.test',
      fx.upstream.port,
      fx.bottleCa.certPem,
    );
    socket.write(
      'GET /ws-echo HTTP/1.1\r\nHost: open.upstream.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    while (!text.includes('\r\n\r\n')) await once(socket, 'data');
    assert.match(text, /^HTTP\/1\.1 101/);
    text = '';
    // One masked text frame (mask 0 keeps the payload readable): the upstream echoes it back.
    socket.write(
      Buffer.concat([Buffer.from([0x81, 0x80 | 10, 0, 0, 0, 0]), Buffer.from('ping-frame')]),
    );
    while (!text.includes('ping-frame')) await once(socket, 'data');
    socket.destroy();
  });

  it('tunnels a passthrough route without interception (the upstream certificate arrives)', async () => {
    const connect = netConnect(fx.proxy.port, '127.0.0.1');
    connect.write(
      `CONNECT pass.upstream.test:${fx.upstream.port} HTTP/1.1\r\nHost: pass.upstream.test\r\n\r\n`,
    );
    await once(connect, 'data');
    const tls = tlsConnect({
      socket: connect,
      servername: 'pass.upstream.test',
      ca: fx.upstreamCa.certPem,
    });
    await once(tls, 'secureConnect');
    assert.match(String(tls.getPeerCertificate().issuer.O), /claude-bottle/);
    tls.destroy();
  });

  it('answers 400 to a malformed CONNECT', async () => {
    assert.match(
      await raw(fx.proxy.port, 'CONNECT not a target HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 400/,
    );
    assert.match(
      await raw(fx.proxy.port, 'CONNECT host-without-port HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 400/,
    );
  });

  it('answers 431 to oversized headers', async () => {
    const big = `GET http://open.upstream.test/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    assert.match(await raw(fx.proxy.port, big), /^HTTP\/1\.1 431/);
  });

  it('answers 408 to a client that never finishes its headers (slowloris)', async () => {
    assert.match(
      await raw(fx.proxy.port, 'GET http://open.upstream.test/ HTTP/1.1\r\nX-Slow: 1\r\n'),
      /^HTTP\/1\.1 408/,
    );
  });

  it('answers 502 when the upstream certificate is not trusted', async () => {
    const res = await get(`https://untrusted.upstream.test:${foreign.port}/`);
    assert.equal(res.status, 502);
    assert.match(res.body, /certificate could not be verified/);
  });

  it('answers 502 when the upstream is down', async () => {
    const res = await get(`https://down.upstream.test:${closedPort}/`);
    assert.equal(res.status, 502);
    assert.match(res.body, /could not be reached/);
  });

  it('answers 504 when the upstream never answers', async () => {
    const res = await get(`https://open.upstream.test:${(silent.address() as AddressInfo).port}/`);
    assert.equal(res.status, 504);
  });

  it('keeps serving after all of that', async () => {
    assert.equal((await get(fx.url('open', '/still-here'))).status, 200);
  });
});
