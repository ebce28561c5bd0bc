/** One line of a unified diff; the screen colours it by kind. */
export interface DiffLine {
  kind: 'header' | 'hunk' | 'context' | 'add' | 'del';
  text: string;
}

export interface DiffOptions {
  context?: number;
  fromName?: string;
  toName?: string;
}

type Op = { kind: 'context' | 'add' | 'del'; text: string; a: number; b: number };

/** Beyond this many LCS cells the changed middle is shown as replaced whole (bounded work). */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff of `before` → `after` (LCS on lines, `context` lines around each change).
 * Empty when they are equal. Lines are returned raw: the caller makes them safe to draw.
 */
export function unifiedDiff(before: string, after: string, options: DiffOptions = {}): DiffLine[] {
  if (before === after) return [];
  const context = options.context ?? 3;
  const ops = lineOps(splitLines(before), splitLines(after));
  // Only line endings differ (CRLF, a final newline): nothing a reader would call a change.
  if (ops.every((op) => op.kind === 'context')) return [];
  const lines: DiffLine[] = [
    { kind: 'header', text: `--- ${options.fromName ?? 'before'}` },
    { kind: 'header', text: `+++ ${options.toName ?? 'after'}` },
  ];
  for (const [start, end] of hunkRanges(ops, context)) {
    const slice = ops.slice(start, end);
    const first = slice[0]!;
    const oldCount = slice.filter((op) => op.kind !== 'add').length;
    const newCount = slice.filter((op) => op.kind !== 'del').length;
    lines.push({
      kind: 'hunk',
      text: `@@ -${range(first.a, oldCount)} +${range(first.b, newCount)} @@`,
    });
    for (const op of slice) {
      const sign = op.kind === 'add' ? '+' : op.kind === 'del' ? '-' : ' ';
      lines.push({ kind: op.kind, text: `${sign}${op.text}` });
    }
  }
  return lines;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** `start,count` as unified diff spells it (a zero-length range names the line before it). */
function range(index: number, count: number): string {
  const start = count === 0 ? index : index + 1;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** Every line as kept, added or removed, with its 0-based position in each side. */
function lineOps(a: string[], b: string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++;
  const ops: Op[] = [];
  for (let i = 0; i < prefix; i++) ops.push({ kind: 'context', text: a[i]!, a: i, b: i });
  ops.push(
    ...middleOps(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix), prefix),
  );
  for (let i = suffix; i > 0; i--) {
    const ai = a.length - i;
    const bi = b.length - i;
    ops.push({ kind: 'context', text: a[ai]!, a: ai, b: bi });
  }
  return ops;
}

function middleOps(a: string[], b: string[], offset: number): Op[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    return [
      ...a.map((text, i): Op => ({ kind: 'del', text, a: offset + i, b: offset })),
      ...b.map((text, j): Op => ({ kind: 'add', text, a: offset + n, b: offset + j })),
    ];
  }
  // lcs[i * (m + 1) + j]: the LCS length of a[i..] and b[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: 'context', text: a[i]!, a: offset + i, b: offset + j });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      // Removals before additions, as diff(1) prints a changed block.
      ops.push({ kind: 'del', text: a[i]!, a: offset + i, b: offset + j });
      i++;
    } else {
      ops.push({ kind: 'add', text: b[j]!, a: offset + i, b: offset + j });
      j++;
    }
  }
  return ops;
}

/** [start, end) op ranges: each change with `context` kept lines either side, close ones merged. */
function hunkRanges(ops: Op[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  ops.forEach((op, index) => {
    if (op.kind === 'context') return;
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length, index + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });
  return ranges;
}
