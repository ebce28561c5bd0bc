/**
 * Text from an agent (justifications, file contents, hostnames) made safe to print on an
 * operator's terminal: escape sequences (CSI, OSC, DCS, single-character ESC forms), C0 and C1
 * controls other than newline and tab, and bidirectional overrides and isolates (which make a
 * line read differently from what it is) are shown as visible `\u{…}` escapes, never obeyed.
 */
const ESCAPE_SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_]?)|\x9b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function visible(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

export function terminalSafe(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, (sequence) => Array.from(sequence, visible).join(''))
    .replace(CONTROL, visible);
}

/** One line for a listing: safe, newlines folded, cut to `width` characters. */
export function oneLine(text: string, width = 80): string {
  const flat = terminalSafe(text.replace(/\s*\n\s*/g, ' ').trim());
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
