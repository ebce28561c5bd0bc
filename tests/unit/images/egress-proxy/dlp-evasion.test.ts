import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { BodyScanner } from '../../../../images/egress-proxy/dlp/body-scanner.js';
import { bip39Mnemonic, validWif } from '../../../../images/egress-proxy/dlp/crypto-keys.js';
import { DlpEngine, type DlpHit } from '../../../../images/egress-proxy/dlp/engine.js';
import { benignCorpus } from '../../../fixtures/dlp/benign.js';
import {
  ENCODINGS,
  freshTokens,
  GLUEABLE,
  mnemonic,
  seeded,
  wif,
} from '../../../fixtures/dlp/tokens.js';

const OWN = 'own-secret-value-K7pQ2mX9';
const engine = new DlpEngine([{ name: 'github', value: OWN }]);
const TOKENS = freshTokens(1);

const found = (hits: DlpHit[], detector: string): boolean =>
  hits.some((hit) => hit.detector === detector);

/** Streams `body` through a BodyScanner cut at `cuts` and collects every hit. */
async function streamed(body: Buffer, cuts: number[]): Promise<DlpHit[]> {
  const hits: DlpHit[] = [];
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    if (cut > at) chunks.push(body.subarray(at, cut));
    at = Math.max(at, cut);
  }
  const scanner = new BodyScanner({
    engine,
    initialHoldBytes: 16,
    onHits: (batch) => {
      hits.push(...batch);
      return Promise.resolve();
    },
  });
  scanner.resume();
  await pipeline(Readable.from(chunks), scanner);
  return hits;
}

describe('DLP: tokens with letters glued on', () => {
  for (const detector of GLUEABLE) {
    it(`finds a ${detector} glued to letters on both sides`, () => {
      const text = `{"note":"zz${TOKENS[detector]}zz"}`;
      assert.ok(found(engine.scan(text), detector), text.slice(0, 60));
    });
  }
  it('still leaves a kebab-case name that merely ends in a prefix alone', () => {
    const text = 'import x from "./desk-admin-dashboard-settings-page-component-test-helpers"';
    assert.deepEqual(engine.scan(text), []);
  });
});

describe('DLP: JWTs', () => {
  const jwt = TOKENS.jwt!;
  for (const [where, text] of [
    ['a header', `authorization: Bearer ${jwt}`],
    ['a path segment', `/api/session/${jwt}/refresh`],
    ['a query', `token=${jwt}&x=1`],
    ['a JSON body', JSON.stringify({ id_token: jwt })],
  ] as const) {
    it(`finds a JWT in ${where}`, () => assert.ok(found(engine.scan(text), 'jwt')));
  }
});

describe('DLP: known-format tokens inside encodings', () => {
  for (const [detector, token] of Object.entries(TOKENS)) {
    for (const [encoding, encode] of Object.entries(ENCODINGS)) {
      it(`finds a ${detector} as ${encoding}`, () => {
        const text = `{"data":"${encode(token)}","n":1}`;
        const hits = engine.scan(text);
        assert.ok(
          found(hits, detector),
          `${encoding}: ${JSON.stringify(hits.map((h) => h.detector))}`,
        );
        assert.ok(
          hits.every((hit) => !hit.context.includes(token)),
          'the context never shows the token',
        );
      });
    }
  }
  it('finds a PEM key URL-encoded twice in a query', () => {
    const pem = TOKENS['private-key']!;
    const query = `key=${encodeURIComponent(encodeURIComponent(pem))}`;
    const hit = engine.scan(query).find((h) => h.detector === 'private-key');
    assert.deepEqual(hit?.encodings, ['percent', 'percent']);
  });
  it('stops after three layers, so a fourth hides a token (the documented bound)', () => {
    let text = TOKENS['github-token']!;
    for (let i = 0; i < 4; i++) text = Buffer.from(text).toString('hex');
    assert.equal(found(engine.scan(text), 'github-token'), false);
    text = TOKENS['github-token']!;
    for (let i = 0; i < 3; i++) text = Buffer.from(text).toString('hex');
    assert.ok(found(engine.scan(text), 'github-token'));
  });
  it('finds hex inside a path segment or glued to a letter, and base64 one character off', () => {
    const token = TOKENS['github-token']!;
    const hex = Buffer.from(token).toString('hex');
    const b64 = Buffer.from(token).toString('base64');
    for (const text of [`/upload/${hex}`, `d=z${hex}`, `id_${hex}`, `d=Z${b64}`, `d=ZZ${b64}`]) {
      assert.ok(found(engine.scan(text), 'github-token'), text.slice(0, 12));
    }
  });
  it('does not take a transaction hash beside an unrelated wallet field for a key', () => {
    assert.deepEqual(engine.scan(`{"wallet":"alice","txHash":"0x${'ab12'.repeat(16)}"}`), []);
  });
  it('redacts the whole encoded run that hid a token', () => {
    const encoded = Buffer.from(TOKENS['github-token']!).toString('base64');
    assert.equal(engine.redact(`/x?q=${encoded}&y=1`), '/x?q=[REDACTED]&y=1');
    const path = engine.redact(`/x/${encoded}/y`);
    assert.ok(!path.includes(encoded.slice(4, 30)) && path.includes('[REDACTED]'), path);
  });
});

describe('DLP: crypto private keys and seed phrases', () => {
  it('finds WIF keys and only those with a valid checksum', () => {
    const next = seeded(5);
    for (let i = 0; i < 20; i++) {
      const key = wif(next);
      assert.ok(found(engine.scan(`wallet: ${key}\n`), 'bitcoin-wif-private-key'), key);
      const broken = key.slice(0, -1) + (key.endsWith('z') ? 'y' : 'z');
      assert.equal(validWif(broken), undefined);
    }
  });
  it('finds 12- and 24-word mnemonics, not 12 list words with a wrong checksum', () => {
    const next = seeded(6);
    for (const words of [12, 24]) {
      const phrase = mnemonic(next, words);
      assert.ok(found(engine.scan(`seed: "${phrase}"`), 'bip39-seed-phrase'), phrase);
    }
    assert.equal(bip39Mnemonic('abandon '.repeat(11) + 'zoo'), undefined);
    assert.ok(bip39Mnemonic('abandon '.repeat(11) + 'about'));
  });
  it('finds an Ethereum key next to a key-ish word, never a bare transaction hash', () => {
    const hex = `0x${'9f'.repeat(32)}`;
    assert.ok(found(engine.scan(`const privateKey = "${hex}";`), 'ethereum-private-key'));
    assert.ok(found(engine.scan(`PRIVATE_KEY=${hex}`), 'ethereum-private-key'));
    assert.deepEqual(engine.scan(`{"transactionHash":"${hex}","blockNumber":"0x12"}`), []);
  });
});

describe('DLP: the benign corpus passes untouched', () => {
  for (const item of benignCorpus()) {
    it(`no hit in ${item.name} (${(item.text.length / 1024).toFixed(0)} KiB)`, () => {
      const text = Buffer.from(item.text, 'utf8').toString('latin1');
      const hits = engine.scan(text);
      assert.deepEqual(
        hits.map((hit) => `${hit.detector}: ${hit.context}`),
        [],
      );
    });
  }
});

describe('DLP: property tests over random splits', () => {
  const next = seeded(42);
  const filler = (length: number): string =>
    Array.from({ length }, () => 'abc xyz 0123 {}":,\n'[Math.floor(next() * 19)]).join('');
  const cases: [string, string][] = [
    ...Object.entries(TOKENS).map(([detector, token]): [string, string] => [detector, token]),
    ...Object.entries(TOKENS).map(([detector, token]): [string, string] => [
      detector,
      Buffer.from(token).toString('base64'),
    ]),
    ['github-token', Buffer.from(TOKENS['github-token']!).toString('hex')],
    ['jwt', `zz${TOKENS.jwt}zz`],
  ];
  for (const [detector, payload] of cases) {
    it(`finds a ${detector} (${payload.length} chars) however the body is cut`, async () => {
      for (let round = 0; round < 12; round++) {
        const body = Buffer.from(`${filler(Math.floor(next() * 3000))}"${payload}"${filler(200)}`);
        const cuts = Array.from({ length: 1 + Math.floor(next() * 8) }, () =>
          Math.floor(next() * body.length),
        ).sort((a, b) => a - b);
        const hits = await streamed(body, cuts);
        assert.ok(found(hits, detector), `cuts ${cuts.join(',')}`);
      }
    });
  }
  it('finds a token base64-encoded deep inside a long base64 body cut into small chunks', async () => {
    const random = Buffer.from(Array.from({ length: 60_000 }, () => Math.floor(next() * 256)));
    const secretText = Buffer.from(` here: ${TOKENS['github-token']} `);
    for (const offset of [0, 1, 2, 30_001]) {
      const inner = Buffer.concat([
        random.subarray(0, offset),
        secretText,
        random.subarray(offset),
      ]);
      const body = Buffer.from(`{"file":"${inner.toString('base64')}"}`);
      const cuts = Array.from({ length: 40 }, (_, i) =>
        Math.floor(((i + next()) * body.length) / 40),
      );
      assert.ok(found(await streamed(body, cuts), 'github-token'), `offset ${offset}`);
    }
  });
  it('finds a long JWT hex- or percent-encoded in a body cut anywhere', async () => {
    const long = `${TOKENS.jwt!.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: 'x'.repeat(380) })).toString('base64url')}.${'s'.repeat(100)}`;
    const encodings = [
      Buffer.from(long).toString('hex'),
      [...long].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
    ];
    for (const encoded of encodings) {
      const body = Buffer.from(`{"a":"${'q'.repeat(900)}","b":"${encoded}"}`);
      for (let cut = 900; cut < body.length; cut += 97) {
        assert.ok(found(await streamed(body, [cut]), 'jwt'), `cut at ${cut}`);
      }
    }
  });
  it('scans adversarial inputs without backtracking for long', () => {
    const inputs = [
      'a '.repeat(500_000),
      'abandon '.repeat(100_000),
      '%'.repeat(1 << 20),
      '%2'.repeat(1 << 19),
      'eyJ'.repeat(300_000),
      'eyJaaaaaaaaaaaa.'.repeat(60_000),
      'A'.repeat(1 << 20),
      '5'.repeat(1 << 20),
      'ghp_'.repeat(250_000),
      'secret 0x'.repeat(100_000),
      'sk-admin-'.repeat(100_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      engine.scan(input);
      const ms = performance.now() - started;
      // A guard against catastrophic backtracking (minutes), not a speed test: 1 MiB of
      // ordinary text scans in well under 100 ms.
      assert.ok(ms < 5000, `${input.slice(0, 12)}… took ${ms.toFixed(0)} ms`);
    }
  });
});
