/**
 * Text from an agent (justifications, file contents, build output, hostnames) made safe to
 * print on an operator's terminal. Every C0 and C1 control other than newline and tab — ESC
 * and the 8-bit CSI among them, so no escape sequence can start — and every bidirectional
 * override or isolate and invisible format character (which make a line read differently
 * from what it is) is shown as a visible `\u{…}` escape, never obeyed.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/** One line for a listing: safe, whitespace runs folded, cut to `width` characters. */
export function oneLine(text: string, width = 80): string {
  const chars = Array.from(terminalSafe(text.replace(/\s+/g, ' ').trim()));
  // Cut by code point so an astral character is never split into a lone surrogate.
  return chars.length > width
    ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…`
    : chars.join('');
}

/**
 * JSON for a terminal or a pipe: the same characters escaped the JSON way (`\u001b`), so the
 * output stays valid JSON that parses back to the original text.
 */
export function jsonSafe(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
