import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Metadata } from '../../../../launcher/state/metadata.js';
import { buildBundle } from '../../../../supervisor/evidence/bundle.js';
import { sealLine, unseal } from '../../../../supervisor/evidence/format.js';
import { createRedactor } from '../../../../supervisor/evidence/redact.js';
import {
  loadOrCreateSigningKey,
  type SigningKey,
} from '../../../../supervisor/evidence/signing-key.js';
import { verifyBundle } from '../../../../supervisor/evidence/verify.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const metadata = {
  v: 1,
  slug: 'demo-abc123',
  agent: 'a',
  agent_source: 'home',
  bottle: 'b',
  provider: 'none',
  branch: null,
  repo: null,
  compose_project: 'cb-demo-abc123',
  images: {},
  services: [],
  status: 'running',
  reason: null,
  created_at: '2026-12-01T00:00:00.000Z',
  started_at: null,
  updated_at: '2026-12-01T00:00:00.000Z',
} as Metadata;

let tree: TempTree;
let key: SigningKey;
let text = '';

before(async () => {
  tree = await tempTree();
  key = await loadOrCreateSigningKey(tree.path('home'));
  text = buildBundle({
    slug: 'demo-abc123',
    metadata,
    records: [
      { at: '2026-12-01T10:00:02.000Z', source: 'operator', kind: 'decision', data: { n: 2 } },
      { at: '2026-12-01T10:00:01.000Z', source: 'egress-proxy', kind: 'decision', data: { n: 1 } },
      { at: '2026-12-01T10:00:03.000Z', source: 'audit', kind: 'approved', data: { n: 3 } },
    ],
    notes: ['no agent transcript'],
    createdAt: new Date('2026-12-02T00:00:00.000Z'),
    redactor: createRedactor(new Map()),
    key,
  }).text;
});
after(() => tree.remove());

const lines = () => text.trimEnd().split('\n');

describe('evidence chain and signature', () => {
  it('verifies an intact bundle, header first, time order, signature last', () => {
    const verdict = verifyBundle(text);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    const kinds = lines().map((l) => (JSON.parse(l) as { source: string; kind: string }).kind);
    assert.deepEqual(kinds, ['header', 'decision', 'decision', 'approved', 'note', 'signature']);
    const data = lines().map((l) => (JSON.parse(l) as { data: { n?: number } }).data.n);
    assert.deepEqual(data.slice(1, 4), [1, 2, 3]);
    if (verdict.ok) assert.equal(verdict.records, 4);
  });

  it('seals a line with the sha256 of its bytes without the seal', () => {
    const line = sealLine(
      { at: '2026-12-01T00:00:00.000Z', source: 'queue', kind: 'k', data: {} },
      1,
      '0'.repeat(64),
    );
    const seal = unseal(line)!;
    assert.equal(seal.claimed, seal.actual);
    assert.ok(line.endsWith(`,"sha256":"${seal.claimed}"}`));
  });

  it('writes C1 controls, bidi overrides and line separators as escapes, still sealed', () => {
    const line = sealLine(
      {
        at: '2026-12-01T00:00:00.000Z',
        source: 'transcript',
        kind: 'tool_call',
        data: { text: 'a\u009b31mb\u202ec\u2028d' },
      },
      1,
      '0'.repeat(64),
    );
    assert.doesNotMatch(line, /[\u0080-\u009f\u202e\u2028]/);
    assert.equal(
      (JSON.parse(line) as { data: { text: string } }).data.text,
      'a\u009b31mb\u202ec\u2028d',
    );
    const seal = unseal(line)!;
    assert.equal(seal.claimed, seal.actual);
  });

  it('fails with the line number when any one byte anywhere changes', () => {
    const offsets: number[] = [];
    let start = 0;
    const all = lines();
    for (const line of all) {
      offsets.push(start);
      start += line.length + 1;
    }
    const lineOf = (pos: number) => offsets.filter((o) => o <= pos).length;
    for (let pos = 0; pos < text.length; pos++) {
      const original = text[pos]!;
      const replacement =
        original === 'a' ? 'b' : original === '0' ? '1' : original === '\n' ? 'x' : 'a';
      const changed = text.slice(0, pos) + replacement + text.slice(pos + 1);
      const verdict = verifyBundle(changed);
      assert.equal(
        verdict.ok,
        false,
        `byte ${pos} (${JSON.stringify(original)}) changed unnoticed`,
      );
      if (!verdict.ok) {
        // A changed byte shows on its own line, or (its sha256 being the next one's link) the next.
        const expected = lineOf(pos);
        assert.ok(
          verdict.line === expected || verdict.line === expected + 1,
          `byte ${pos}: line ${verdict.line}, expected ${expected}: ${verdict.problem}`,
        );
      }
    }
  });

  it('fails when the signature or the public key is swapped, even with the line re-sealed', async () => {
    const other = await loadOrCreateSigningKey(tree.path('other-home'));
    const all = lines();
    const last = JSON.parse(all.at(-1)!) as { data: Record<string, unknown> };
    const reseal = (data: Record<string, unknown>) => {
      const parsed = JSON.parse(all.at(-1)!) as { seq: number; at: string; prev_sha256: string };
      const line = sealLine(
        { at: parsed.at, source: 'evidence', kind: 'signature', data },
        parsed.seq,
        parsed.prev_sha256,
      );
      return `${[...all.slice(0, -1), line].join('\n')}\n`;
    };
    const otherSig = Buffer.alloc(64, 7).toString('base64');
    for (const data of [
      { ...last.data, signature: otherSig },
      { ...last.data, public_key: other.publicKeyBase64, key_fingerprint: other.fingerprint },
    ]) {
      const verdict = verifyBundle(reseal(data));
      assert.equal(verdict.ok, false);
      if (!verdict.ok) {
        assert.equal(verdict.line, all.length);
        assert.match(verdict.problem, /signature does not verify/);
      }
    }
    // Not re-sealed: the line's own sha256 (or the signature) gives it away on the same line.
    const swapped = text.replace(String(last.data.signature), otherSig);
    const verdict = verifyBundle(swapped);
    assert.equal(verdict.ok, false);
    if (!verdict.ok) assert.equal(verdict.line, all.length);
  });

  it('fails against a pinned key that is not the signer', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const verdict = verifyBundle(text, publicKey);
    assert.equal(verdict.ok, false);
    if (!verdict.ok) assert.match(verdict.problem, /not the trusted key/);
    assert.equal(verifyBundle(text, key.publicKey).ok, true);
  });

  it('names a removed line, a truncated tail and reordered lines', () => {
    const all = lines();
    const removed = verifyBundle(`${[all[0], ...all.slice(2)].join('\n')}\n`);
    assert.deepEqual(removed.ok ? 0 : removed.line, 2);
    const truncated = verifyBundle(`${all.slice(0, -1).join('\n')}\n`);
    assert.equal(truncated.ok, false);
    if (!truncated.ok) {
      assert.equal(truncated.line, all.length - 1);
      assert.match(truncated.problem, /signature line/);
    }
    const swapped = verifyBundle(`${[all[0], all[2], all[1], ...all.slice(3)].join('\n')}\n`);
    assert.deepEqual(swapped.ok ? 0 : swapped.line, 2);
    const appended = verifyBundle(`${text}${all[1]}\n`);
    assert.equal(appended.ok, false);
  });

  it('says clearly that an empty or garbage file is not a bundle', () => {
    for (const input of ['', '\n\n', 'hello world\n', '{"a":1}\n', '\u0000\u0001binary']) {
      const verdict = verifyBundle(input);
      assert.equal(verdict.ok, false);
      if (!verdict.ok) {
        assert.equal(verdict.notABundle, true, input);
        assert.ok(verdict.line <= 1);
      }
    }
  });
});

describe('evidence redaction', () => {
  it('removes known values in their encodings and well-known token formats', () => {
    const redactor = createRedactor(new Map([['api-token', 'planted-secret-value-42']]));
    const gh = `ghp_${'A1b2'.repeat(9)}`;
    const out = redactor.scrub({
      a: 'x planted-secret-value-42 y',
      b: [
        Buffer.from('planted-secret-value-42').toString('base64'),
        encodeURIComponent('planted-secret-value-42'),
      ],
      c: `token ${gh}`,
    });
    const json = JSON.stringify(out);
    assert.ok(!json.includes('planted-secret-value-42'));
    assert.ok(!json.includes(gh));
    assert.match(json, /\[redacted:secret api-token\]/);
    assert.match(json, /\[redacted:github-token\]/);
    assert.ok(redactor.redactions >= 3);
  });
});

describe('evidence redaction', () => {
  it('removes a whole private key block and a known secret that a short cut would split', () => {
    const secret = 'S3cr3tValue-0123456789abcdef';
    const redactor = createRedactor(new Map([['api', secret]]));
    const pem = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB',
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    const out = redactor.scrub({ input: `${'x'.repeat(4090)}${secret} and ${pem}` });
    assert.doesNotMatch(JSON.stringify(out), /S3cr3tV|b3BlbnNzaC1rZXkt|BEGIN OPENSSH/);
  });
});
