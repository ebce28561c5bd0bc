import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unifiedDiff, type DiffLine } from '../../../../supervisor/tui/diff.js';

const text = (lines: DiffLine[]) => lines.map((l) => l.text);
const numbered = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `line ${i + from}`).join('\n') + '\n';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    assert.deepEqual(unifiedDiff('a\nb\n', 'a\nb\n'), []);
  });

  it('shows one change with three lines of context and diff(1) numbering', () => {
    const before = numbered(10);
    const after = before.replace('line 5\n', 'line five\n');
    assert.deepEqual(text(unifiedDiff(before, after, { fromName: 'live', toName: 'proposed' })), [
      '--- live',
      '+++ proposed',
      '@@ -2,7 +2,7 @@',
      ' line 2',
      ' line 3',
      ' line 4',
      '-line 5',
      '+line five',
      ' line 6',
      ' line 7',
      ' line 8',
    ]);
  });

  it('keeps far-apart changes in separate hunks and merges close ones', () => {
    const before = numbered(30);
    const far = before.replace('line 3\n', 'THREE\n').replace('line 25\n', 'TWENTY-FIVE\n');
    const hunks = unifiedDiff(before, far).filter((l) => l.kind === 'hunk');
    assert.deepEqual(text(hunks), ['@@ -1,6 +1,6 @@', '@@ -22,7 +22,7 @@']);
    // Six unchanged lines between two changes: still one hunk (2 × context).
    const close = before.replace('line 3\n', 'THREE\n').replace('line 10\n', 'TEN\n');
    assert.equal(unifiedDiff(before, close).filter((l) => l.kind === 'hunk').length, 1);
  });

  it('adds to an empty file and empties a file', () => {
    assert.deepEqual(text(unifiedDiff('', 'a\nb\n')).slice(2), ['@@ -0,0 +1,2 @@', '+a', '+b']);
    assert.deepEqual(text(unifiedDiff('a\n', '')).slice(2), ['@@ -1 +0,0 @@', '-a']);
  });

  it('finds the longest common subsequence (an insertion in the middle)', () => {
    const diff = unifiedDiff('a\nb\nc\nd\n', 'a\nb\nX\nc\nd\n');
    assert.deepEqual(
      diff.filter((l) => l.kind === 'add' || l.kind === 'del').map((l) => l.text),
      ['+X'],
    );
  });

  it('puts removals before additions in a changed block', () => {
    const kinds = unifiedDiff('a\nold1\nold2\nz\n', 'a\nnew1\nnew2\nz\n')
      .filter((l) => l.kind === 'add' || l.kind === 'del')
      .map((l) => l.kind);
    assert.deepEqual(kinds, ['del', 'del', 'add', 'add']);
  });

  it('treats CRLF like LF and a missing final newline as the same lines', () => {
    assert.deepEqual(unifiedDiff('a\r\nb\r\n', 'a\nb'), []);
  });

  it('shows a huge rewrite as replaced whole instead of building a giant table', () => {
    const before = numbered(3000);
    const after = numbered(3000, 5000);
    const diff = unifiedDiff(before, after);
    assert.equal(diff.filter((l) => l.kind === 'del').length, 3000);
    assert.equal(diff.filter((l) => l.kind === 'add').length, 3000);
  });

  it('returns the raw lines: making them safe is the caller’s job', () => {
    const diff = unifiedDiff('a\n', '{bold}\x1b[2J\n');
    assert.ok(diff.some((l) => l.text === '+{bold}\x1b[2J'));
  });
});
