import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLACEHOLDER_TOKEN } from '../../../launcher/plan/agent-runtime.js';
import {
  AGENT_PLACEHOLDER,
  checkCredential,
  sha256Hex,
} from '../../fixtures/scripted-model/credential.js';

const KEY = 'sk-ant-injected';

describe('checkCredential', () => {
  it("keeps the launcher's placeholder (a copy, so the bundle needs no launcher code)", () => {
    assert.equal(AGENT_PLACEHOLDER, PLACEHOLDER_TOKEN);
  });

  const table: [string, Record<string, string>, string | undefined, object][] = [
    [
      'x-api-key, expected',
      { 'x-api-key': KEY },
      sha256Hex(KEY),
      { header: 'x-api-key', sha256: sha256Hex(KEY), placeholder: false, expected: true, ok: true },
    ],
    [
      'Bearer, expected',
      { authorization: `Bearer ${KEY}` },
      sha256Hex(KEY),
      {
        header: 'authorization',
        sha256: sha256Hex(KEY),
        placeholder: false,
        expected: true,
        ok: true,
      },
    ],
    [
      'no expectation configured',
      { 'x-api-key': KEY },
      undefined,
      { header: 'x-api-key', sha256: sha256Hex(KEY), placeholder: false, expected: null, ok: true },
    ],
    [
      'another key',
      { 'x-api-key': 'other' },
      sha256Hex(KEY),
      {
        header: 'x-api-key',
        sha256: sha256Hex('other'),
        placeholder: false,
        expected: false,
        ok: false,
      },
    ],
    [
      'no credential',
      {},
      undefined,
      { header: null, sha256: null, placeholder: false, expected: null, ok: false },
    ],
    [
      'the placeholder',
      { 'x-api-key': PLACEHOLDER_TOKEN },
      undefined,
      {
        header: 'x-api-key',
        sha256: sha256Hex(PLACEHOLDER_TOKEN),
        placeholder: true,
        expected: null,
        ok: false,
      },
    ],
    [
      'the placeholder beside the real key',
      { 'x-api-key': KEY, authorization: `Bearer ${PLACEHOLDER_TOKEN}` },
      sha256Hex(KEY),
      { header: 'x-api-key', sha256: sha256Hex(KEY), placeholder: true, expected: true, ok: false },
    ],
  ];
  for (const [what, headers, expected, result] of table) {
    it(what, () => assert.deepEqual(checkCredential(headers, expected), result));
  }

  it('counts only the accepted headers (the OpenAI API reads Authorization alone)', () => {
    const openai = ['authorization'] as const;
    assert.deepEqual(checkCredential({ 'x-api-key': KEY }, sha256Hex(KEY), openai), {
      header: null,
      sha256: null,
      placeholder: false,
      expected: false,
      ok: false,
    });
    assert.deepEqual(
      checkCredential(
        { 'x-api-key': 'other', authorization: `Bearer ${KEY}` },
        sha256Hex(KEY),
        openai,
      ),
      {
        header: 'authorization',
        sha256: sha256Hex(KEY),
        placeholder: false,
        expected: true,
        ok: true,
      },
    );
    // The placeholder is flagged in any header, counted or not.
    const stray = { 'x-api-key': PLACEHOLDER_TOKEN, authorization: `Bearer ${KEY}` };
    assert.equal(checkCredential(stray, undefined, openai).placeholder, true);
  });
});
