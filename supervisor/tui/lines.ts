/**
 * What the view-model hands the screen: lines of already-safe text, each with a style the
 * screen turns into colour. Styles are named for meaning so the screen alone decides looks.
 */
export type Style =
  | 'plain'
  | 'heading'
  | 'dim'
  | 'untrusted'
  | 'trusted'
  | 'warning'
  | 'error'
  | 'ok'
  | 'diff-header'
  | 'diff-hunk'
  | 'diff-add'
  | 'diff-del';

export interface StyledLine {
  text: string;
  style: Style;
}

export function line(text: string, style: Style = 'plain'): StyledLine {
  return { text, style };
}

/**
 * The first row to draw so the selected row stays visible with as little movement as
 * possible: the window only scrolls when the selection would leave it.
 */
export function windowStart(selected: number, top: number, height: number, count: number): number {
  if (height <= 0 || count <= height) return 0;
  let start = Math.min(Math.max(0, top), count - height);
  if (selected < start) start = selected;
  else if (selected >= start + height) start = selected - height + 1;
  return Math.max(0, start);
}

/** Pads or cuts to exactly `width` characters (list columns). */
export function column(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

/** A list row: its text, style, and whether it is the selected one (the screen highlights it). */
export interface Row extends StyledLine {
  selected: boolean;
}
