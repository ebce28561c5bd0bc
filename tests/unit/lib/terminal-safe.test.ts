import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonSafe, oneLine, terminalSafe } from '../../../lib/terminal-safe.js';

describe('terminalSafe', () => {
  const cases: [string, string, RegExp][] = [
    ['CSI clear screen', 'a\x1b[2Jb', /^a\\u\{1b\}\[2Jb$/],
    ['OSC title', '\x1b]0;pwned\x07x', /^\\u\{1b\}\]0;pwned\\u\{7\}x$/],
    ['8-bit CSI', 'a\x9b2Jb', /^a\\u\{9b\}2Jb$/],
    ['bell and backspace', 'x\x07\x08y', /^x\\u\{7\}\\u\{8\}y$/],
    ['bidi override', 'abc\u202edef', /^abc\\u\{202e\}def$/],
    ['bidi isolate', '\u2066x\u2069', /^\\u\{2066\}x\\u\{2069\}$/],
    ['zero width', 'a\u200bb', /^a\\u\{200b\}b$/],
  ];
  for (const [name, input, expected] of cases) {
    it(`shows ${name} as visible escapes`, () => {
      const out = terminalSafe(input);
      assert.match(out, expected);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(out));
    });
  }

  it('keeps ordinary text, newlines, tabs and non-Latin letters', () => {
    assert.equal(terminalSafe('héllo\n\twörld {bold}日本'), 'héllo\n\twörld {bold}日本');
  });

  it('jsonSafe keeps JSON valid and the text intact', () => {
    const value = { t: 'a\x1b]0;x\x07\u202eb\n' };
    const out = jsonSafe(value);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(out.replace(/\n/g, '')));
    assert.deepEqual(JSON.parse(out), value);
  });

  it('oneLine folds newlines and cuts to the width', () => {
    assert.equal(oneLine('a\n  b\nc', 80), 'a b c');
    assert.equal(oneLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});
