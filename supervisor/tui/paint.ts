import type { Row, Style, StyledLine } from './lines.js';
import { column } from './lines.js';

/**
 * Styles as SGR sequences. Boxes run with blessed tags off (agent text may hold `{…}`), and
 * blessed still honours SGR in content, so colour is added here, around text that sanitize
 * has already stripped of every escape of its own.
 */
const SGR: Record<Style, string> = {
  plain: '',
  heading: '\x1b[1m',
  dim: '\x1b[90m',
  untrusted: '\x1b[1;33m',
  trusted: '\x1b[1;36m',
  warning: '\x1b[33m',
  error: '\x1b[1;31m',
  ok: '\x1b[32m',
  'diff-header': '\x1b[1m',
  'diff-hunk': '\x1b[36m',
  'diff-add': '\x1b[32m',
  'diff-del': '\x1b[31m',
};

const RESET = '\x1b[0m';

export function paint(entry: StyledLine): string {
  const code = SGR[entry.style];
  return code ? `${code}${entry.text}${RESET}` : entry.text;
}

export function paintLines(lines: readonly StyledLine[]): string {
  return lines.map(paint).join('\n');
}

/**
 * Explicit colours rather than reverse video, which terminals and converters render
 * differently: blue where the keys act (the focused pane), grey elsewhere.
 */
const SELECTED = { focused: '\x1b[1;37;44m', unfocused: '\x1b[30;47m' };

/** A list row cut to the pane's width; the selected one highlighted across it. */
export function paintRow(row: Row, width: number, focused = true): string {
  const text = column(row.text, Math.max(1, width));
  if (!row.selected) return paint({ text, style: row.style });
  return `${SELECTED[focused ? 'focused' : 'unfocused']}${text}${RESET}`;
}
