import { unifiedDiff, type DiffLine } from './diff.js';
import { line, type Style, type StyledLine } from './lines.js';
import { sanitize } from './sanitize.js';

/** A diff of the live file as styled, safe lines (`edited` when confirming an operator's edit). */
export function diffLines(
  before: string,
  after: string,
  name: string,
  side: 'proposed' | 'edited' = 'proposed',
): StyledLine[] {
  const diff = styledDiff(before, after, { fromName: `live/${name}`, toName: `${side}/${name}` });
  if (diff.length === 0) return [line('  (no line changes against the live file)', 'dim')];
  return diff;
}

/** Any two texts' unified diff as styled, safe lines (the manifest `g` → permanent writes). */
export function styledDiff(
  before: string,
  after: string,
  names: { fromName: string; toName: string },
): StyledLine[] {
  return unifiedDiff(before, after, names).map((entry) =>
    line(sanitize(entry.text), DIFF_STYLES[entry.kind]),
  );
}

const DIFF_STYLES: Record<DiffLine['kind'], Style> = {
  header: 'diff-header',
  hunk: 'diff-hunk',
  add: 'diff-add',
  del: 'diff-del',
  context: 'plain',
};
