import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProxyLog } from '../../../../supervisor/tui/proxy-log.js';
import { paint, paintRow } from '../../../../supervisor/tui/paint.js';
import { oneLine, safeLines, sanitize } from '../../../../supervisor/tui/sanitize.js';

// Anything a terminal or blessed would obey: ESC, C0/C1 controls (but \n and \t), DEL,
// bidi embeddings/overrides/isolates, zero-width characters, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const OBEYABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const HOSTILE: [string, string][] = [
  ['blessed tags', '{red-fg}x{/} {bold}blessed tags{/bold} {open}'],
  ['CSI clear screen', 'before\x1b[2Jafter'],
  ['CSI cursor home + SGR', '\x1b[H\x1b[31mred\x1b[0m'],
  ['OSC window title (BEL)', '\x1b]0;pwned\x07'],
  ['OSC hyperlink (ST)', '\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\'],
  ['unterminated CSI', 'tail\x1b['],
  ['8-bit CSI and NEL', 'a\x9b2Jb\x85c'],
  ['DCS string', '\x1bPqpayload\x1b\\'],
  ['carriage return overwrite', 'approve: no\rapprove: yes'],
  ['backspace and bell', 'ok\x08\x08no\x07'],
  ['right-to-left override', 'invoice\u202egpj.exe'],
  ['bidi isolates', '\u2066x\u2067y\u2068z\u2069'],
  ['zero width joiner and space', 'ad\u200dmin\u200b'],
  ['byte order mark and separators', '\ufeffa\u2028b\u2029c'],
];

describe('sanitize', () => {
  for (const [name, input] of HOSTILE) {
    it(`leaves nothing obeyable in ${name}`, () => {
      const out = sanitize(input);
      assert.ok(!OBEYABLE.test(out), JSON.stringify(out));
      for (const text of [oneLine(input), ...safeLines(input)])
        assert.ok(!OBEYABLE.test(text), JSON.stringify(text));
    });
  }

  it('shows what was attempted instead of dropping it', () => {
    assert.equal(sanitize('a\x07b'), 'a\\u{7}b');
    assert.match(sanitize('x\x1b[2Jy'), /^x\\u\{1b\}.*y$/);
    assert.equal(sanitize('abc\u202edef'), 'abc\\u{202e}def');
    assert.equal(sanitize('no\ryes'), 'no\\u{d}yes');
  });

  it('keeps blessed tags literally: the boxes run with tags off', () => {
    assert.equal(sanitize('{bold}blessed tags{/bold}'), '{bold}blessed tags{/bold}');
    assert.equal(sanitize('{red-fg}x{/}'), '{red-fg}x{/}');
  });

  it('keeps ordinary text, newlines, tabs and other scripts', () => {
    assert.equal(sanitize('héllo\n\twörld 日本 עברית'), 'héllo\n\twörld 日本 עברית');
  });

  it('safeLines splits after making each line safe (CRLF is one break)', () => {
    assert.deepEqual(safeLines('a\r\nb\nc\rd'), ['a', 'b', 'c\\u{d}d']);
  });

  it('oneLine folds whitespace and cuts by code point', () => {
    assert.equal(oneLine('a\n  b\t\tc', 80), 'a b c');
    assert.equal(oneLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
    const cut = oneLine('🙂'.repeat(20), 5);
    assert.equal(cut, `${'🙂'.repeat(4)}…`);
    assert.ok(!/[\ud800-\udfff](?![\udc00-\udfff])/.test(cut.replace(/🙂/g, '')));
  });
});

describe('paint', () => {
  it('adds only its own SGR around already-safe text', () => {
    const painted = paint({ text: sanitize('\x1b[5mblink'), style: 'diff-add' });
    assert.equal(painted, '\x1b[32m\\u{1b}[5mblink\x1b[0m');
    assert.equal(paint({ text: 'plain', style: 'plain' }), 'plain');
  });

  it('draws a row cut to the width, the selected one highlighted', () => {
    assert.equal(paintRow({ text: 'abcdef', style: 'plain', selected: false }, 4), 'abc…');
    assert.equal(
      paintRow({ text: 'ab', style: 'plain', selected: true }, 4),
      '\x1b[1;37;44mab  \x1b[0m',
    );
  });
});

describe('formatProxyLog', () => {
  it('turns decision records into lines and keeps the agent-chosen path inert', () => {
    const log = [
      '\x1b[2Kegress-proxy-1  | {"ts":"2026-11-24T21:55:01.123Z","host":"api.example.test","method":"GET","path":"/x\\u001b[2J","route":"","decision":"deny","reason":"no-route","status":403,"ms":1.2}',
      'egress-proxy-1  | {"ts":"2026-11-24T21:55:02.000Z","level":"info","event":"routes_loaded","sha256":"ab"}',
      '\x1b[2Kegress-proxy-1  | plain text line',
    ].join('\n');
    const lines = formatProxyLog(log);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!.text, /^21:55:01 {2}deny {3}403 {2}GET api\.example\.test\/x\\u\{1b\}/);
    assert.match(lines[0]!.text, /\(no-route\)$/);
    assert.equal(lines[0]!.style, 'error');
    assert.equal(lines[1]!.text, '21:55:02  info  routes_loaded');
    assert.equal(lines[2]!.text, 'plain text line');
    for (const entry of lines) assert.ok(!OBEYABLE.test(entry.text));
  });

  it('says so when there is nothing yet', () => {
    assert.equal(formatProxyLog('\n').length, 1);
  });
});
