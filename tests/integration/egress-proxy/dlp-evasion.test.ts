import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { benignCorpus } from '../../fixtures/dlp/benign.js';
import { ENCODINGS, freshTokens, GLUEABLE } from '../../fixtures/dlp/tokens.js';
import { httpsViaProxy, tunnel } from './helpers/client.js';
import { startFixture, type Fixture } from './helpers/fixture.js';

const TOKENS = freshTokens(11);

/**
 * The evasions a sceptic tried on an allowed route, each through the real proxy process with
 * DLP on and no queue (so every hit is refused at once): glued letters, JWTs, encodings,
 * private keys and seed phrases, and bodies cut into pieces. The benign corpus passes whole.
 */
describe('egress proxy: DLP against evasion', () => {
  let fx: Fixture;
  const send = (path: string, init: Parameters<typeof httpsViaProxy>[3] = {}) =>
    httpsViaProxy(fx.proxy.port, fx.bottleCa.certPem, fx.url('open', path), init);

  /** Asserts a refusal by `detector` that the upstream never saw. */
  async function refused(
    detector: string,
    path: string,
    init: Parameters<typeof httpsViaProxy>[3] = {},
  ): Promise<void> {
    const before = fx.upstream.seen.length;
    const lines = fx.proxy.decisions.length;
    const res = await send(path, init);
    assert.equal(res.status, 403, `${detector}: ${res.body.slice(0, 200)}`);
    assert.match(res.body, new RegExp(detector));
    assert.equal(fx.upstream.seen.length, before, 'the upstream saw the request');
    const line = await decisionAfter(lines);
    assert.equal(line.reason, 'dlp');
    assert.equal(line.detector, detector);
  }

  /** The first decision line written after the first `count`: stdout arrives a little later. */
  async function decisionAfter(count: number): Promise<Record<string, unknown>> {
    while (fx.proxy.decisions.length <= count) await new Promise((r) => setTimeout(r, 5));
    return fx.proxy.decisions[count]!;
  }

  before(async () => {
    fx = await startFixture(
      (port) => `routes:
  - host: open.upstream.test:${port}
    private: true
`,
    );
  });
  after(() => fx.close());

  describe('1: tokens with letters glued on', () => {
    for (const detector of GLUEABLE) {
      const glued = `zz${TOKENS[detector]}zz`;
      it(`refuses a glued ${detector} in a header`, () =>
        refused(detector, '/x', { headers: { 'x-note': glued } }));
      it(`refuses a glued ${detector} in a path and in a body`, async () => {
        await refused(detector, `/x/${glued}/y`);
        await refused(detector, '/upload', { method: 'POST', body: `{"n":"${glued}"}` });
      });
    }
  });

  describe('2: JWTs', () => {
    const jwt = TOKENS.jwt!;
    it('refuses a JWT in a header, a path segment, a query and a body', async () => {
      await refused('jwt', '/x', { headers: { 'x-session': jwt } });
      await refused('jwt', `/api/session/${jwt}`);
      await refused('jwt', `/x?id_token=${jwt}`);
      await refused('jwt', '/upload', { method: 'POST', body: JSON.stringify({ jwt }) });
    });
  });

  describe('3: known-format tokens inside encodings', () => {
    for (const detector of [
      'github-token',
      'anthropic-api-key',
      'aws-access-key-id',
      'npm-token',
    ]) {
      it(`refuses the base64 of a ${detector} in a query and its hex in a JSON body`, async () => {
        await refused(detector, `/x?d=${Buffer.from(TOKENS[detector]!).toString('base64url')}`);
        await refused(detector, '/upload', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ blob: Buffer.from(TOKENS[detector]!).toString('hex') }),
        });
      });
    }
    it('refuses a PEM key URL-encoded twice, in a query and in a form body', async () => {
      const twice = ENCODINGS['url encoded twice']!(TOKENS['private-key']!);
      await refused('private-key', `/x?key=${twice}`);
      await refused('private-key', '/upload', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `a=1&key=${twice}`,
      });
    });
    it('refuses a token base64-encoded inside a path segment', () =>
      refused(
        'github-token',
        `/files/${Buffer.from(TOKENS['github-token']!).toString('base64url')}`,
      ));
  });

  describe('6: crypto private keys and seed phrases', () => {
    for (const detector of [
      'bitcoin-wif-private-key',
      'bip39-seed-phrase',
      'ethereum-private-key',
    ]) {
      it(`refuses a ${detector} in a body, and base64-encoded`, async () => {
        await refused(detector, '/upload', { method: 'POST', body: `{"k":"${TOKENS[detector]}"}` });
        await refused(detector, '/upload', {
          method: 'POST',
          body: Buffer.from(`key file: ${TOKENS[detector]}\n`).toString('base64'),
        });
      });
    }
  });

  it('refuses a token split across many small body chunks, before the upstream sees a byte', async () => {
    const body = Buffer.from(
      `${'x'.repeat(70_000)}${Buffer.from(`k=${TOKENS['github-token']}`).toString('base64')}${'y'.repeat(1000)}`,
    );
    const socket = await tunnel(
      fx.proxy.port,
      'open.upstream.test',
      fx.upstream.port,
      fx.bottleCa.certPem,
    );
    const before = fx.upstream.seen.length;
    const lines = fx.proxy.decisions.length;
    const req = httpRequest({
      createConnection: () => socket,
      method: 'POST',
      path: '/upload',
      headers: { host: `open.upstream.test:${fx.upstream.port}`, 'transfer-encoding': 'chunked' },
    });
    for (let at = 0; at < body.length; at += 997) {
      req.write(body.subarray(at, at + 997));
      await new Promise((resolve) => setImmediate(resolve));
    }
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.resume();
    socket.destroy();
    assert.equal(res.statusCode, 403);
    assert.equal((await decisionAfter(lines)).detector, 'github-token');
    // The first 64 KiB are held, so the upstream request may have started; it must not end.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(
      fx.upstream.seen.slice(before).every((seen) => !seen.body.includes('y'.repeat(1000))),
      'the body reached the upstream whole',
    );
  });

  describe('the benign corpus passes untouched', () => {
    for (const item of benignCorpus().filter((i) => !i.name.endsWith('raw'))) {
      it(`passes ${item.name}`, async () => {
        const body = Buffer.from(item.text, 'utf8');
        const res = await send('/upload', { method: 'POST', body });
        assert.equal(res.status, 200, res.body.slice(0, 300));
        assert.equal(JSON.parse(res.body).bytes, body.toString('utf8').length);
      });
    }
  });
});
