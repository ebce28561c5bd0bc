import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { BodyScanner } from '../../../../images/egress-proxy/dlp/body-scanner.js';
import { DlpEngine, type DlpHit } from '../../../../images/egress-proxy/dlp/engine.js';
import {
  ReflectionError,
  ReflectionGuard,
} from '../../../../images/egress-proxy/dlp/reflection-guard.js';

const SECRET = 'own-secret-value-K7pQ2mX9';
const engine = new DlpEngine([{ name: 'github', value: SECRET }]);

const SAMPLES: [string, string][] = [
  ['github-token', `ghp_${'a1B2'.repeat(9)}`],
  ['github-fine-grained-pat', `github_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`],
  ['gitlab-token', `glpat-${'x'.repeat(20)}`],
  ['anthropic-api-key', `sk-ant-api03-${'Z'.repeat(90)}`],
  ['openai-api-key', `sk-proj-${'q'.repeat(48)}`],
  ['aws-access-key-id', 'AKIAIOSFODNN7EXAMPLE'],
  ['slack-token', 'xoxb-1234567890-abcdefghij'],
  ['stripe-key', `sk_live_${'4'.repeat(24)}`],
  ['google-api-key', `AIza${'S'.repeat(35)}`],
  ['npm-token', `npm_${'n'.repeat(36)}`],
  ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
];

describe('DlpEngine', () => {
  for (const [detector, value] of SAMPLES) {
    it(`finds a ${detector}`, () => {
      const hits = engine.scan(`prefix ${value} suffix`);
      assert.ok(
        hits.some((hit) => hit.detector === detector && hit.value === value),
        JSON.stringify(hits),
      );
    });
  }
  it('finds its own secret raw, URL-, hex- and base64-encoded at every alignment', () => {
    const forms = [
      SECRET,
      encodeURIComponent(`${SECRET}/`),
      Buffer.from(SECRET).toString('hex'),
      Buffer.from(SECRET).toString('hex').toUpperCase(),
      ...[0, 1, 2].map((shift) => Buffer.from(`${'x'.repeat(shift)}${SECRET}`).toString('base64')),
      Buffer.from(`u:${SECRET}`).toString('base64url'),
    ];
    for (const form of forms) {
      const hits = engine.scan(`{"v":"${form}"}`);
      assert.ok(
        hits.some((hit) => hit.own),
        form,
      );
    }
  });
  it('stays quiet on ordinary text and keeps values out of the context', () => {
    assert.deepEqual(engine.scan('the quick brown fox; ghp_short; AKIA lower'), []);
    const [hit] = engine.scan(`token=${SAMPLES[0]![1]}&x=1`);
    assert.ok(hit && !hit.context.includes(SAMPLES[0]![1]));
  });
});

async function scanChunks(chunks: Buffer[]): Promise<{ hits: DlpHit[]; out: Buffer }> {
  const hits: DlpHit[] = [];
  const out: Buffer[] = [];
  const scanner = new BodyScanner({
    engine,
    initialHoldBytes: 16,
    onHits: (found) => {
      hits.push(...found);
      return Promise.resolve();
    },
  });
  scanner.on('data', (chunk: Buffer) => out.push(chunk));
  await pipeline(Readable.from(chunks), scanner);
  return { hits, out: Buffer.concat(out) };
}

describe('BodyScanner across chunk boundaries', () => {
  const token = SAMPLES[0]![1];
  const body = Buffer.from(`${'x'.repeat(5000)} ${token} ${SECRET} ${'y'.repeat(5000)}`);
  for (const size of [1, 7, 64, 1000, 4096]) {
    it(`finds every value when the body arrives in ${size}-byte chunks, and passes it whole`, async () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
      const { hits, out } = await scanChunks(chunks);
      assert.ok(hits.some((hit) => hit.detector === 'github-token' && hit.value === token));
      assert.ok(hits.some((hit) => hit.own));
      assert.ok(out.equals(body));
    });
  }
  it('URL-decodes form bodies, even when an escape is split', async () => {
    const encoded = [...SECRET].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const form = Buffer.from(`a=1&b=${encoded}`);
    const { hits } = await scanChunks([form.subarray(0, 11), form.subarray(11)]);
    assert.ok(hits.some((hit) => hit.own));
  });
  it('refuses the body when onHits rejects, before any byte moves on', async () => {
    const out: Buffer[] = [];
    const scanner = new BodyScanner({
      engine,
      initialHoldBytes: 64 * 1024,
      onHits: () => Promise.reject(new Error('refused')),
    });
    scanner.on('data', (chunk: Buffer) => out.push(chunk));
    await assert.rejects(
      pipeline(Readable.from([Buffer.from(`x ${token} y`)]), scanner),
      /refused/,
    );
    assert.equal(out.length, 0);
  });
});

describe('ReflectionGuard', () => {
  it('refuses a response carrying the secret split across chunks', async () => {
    const data = Buffer.from(`hello ${SECRET} bye`);
    const chunks = [data.subarray(0, 10), data.subarray(10, 20), data.subarray(20)];
    await assert.rejects(
      pipeline(Readable.from(chunks), new ReflectionGuard(engine), async function* (source) {
        for await (const _ of source) yield _;
      }),
      ReflectionError,
    );
  });
  it('passes a clean response whole, holding back only a possible secret prefix', async () => {
    const guard = new ReflectionGuard(engine);
    const out: Buffer[] = [];
    guard.on('data', (chunk: Buffer) => out.push(chunk));
    guard.write(Buffer.from('data: tick\n\n'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Buffer.concat(out).toString(), 'data: tick\n\n', 'an SSE event must not be held');
    guard.end(Buffer.from('tail own-sec'));
    await new Promise((resolve) => guard.on('end', resolve));
    assert.equal(Buffer.concat(out).toString(), 'data: tick\n\ntail own-sec');
  });
});
