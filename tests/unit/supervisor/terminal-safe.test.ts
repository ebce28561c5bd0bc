import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneLine, terminalSafe } from '../../../supervisor/terminal-safe.js';

describe('terminalSafe', () => {
  const cases: [string, string, RegExp][] = [
    ['CSI clear screen', 'a\x1b[2Jb', /^a\\u\{1b\}\\u\{5b\}\\u\{32\}\\u\{4a\}b$/],
    ['OSC title', '\x1b]0;pwned\x07x', /^(\\u\{[0-9a-f]+\})+x$/],
    ['8-bit CSI', 'a\x9b2Jb', /^a(\\u\{[0-9a-f]+\})+b$/],
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

  it('oneLine folds newlines and cuts to the width', () => {
    assert.equal(oneLine('a\n  b\nc', 80), 'a b c');
    assert.equal(oneLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});
