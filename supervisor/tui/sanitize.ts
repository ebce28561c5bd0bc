import { oneLine, terminalSafe } from '../../lib/terminal-safe.js';

/**
 * Text that anyone but the operator wrote (the agent's justification and files, hostnames,
 * build output, log lines) made inert before the screen draws it. Two layers: every box that
 * shows such text runs with blessed tags off, so `{bold}` stays literal; and this module
 * (over the same `terminalSafe` the headless verbs print through) shows what a terminal, or
 * blessed, which passes SGR sequences through, would obey — escape sequences, C0 and C1
 * controls, a bare carriage return, bidi overrides and isolates, zero-width characters — as
 * visible `\u{…}`, never dropped silently, so the operator sees that something was attempted.
 */
export function sanitize(text: string): string {
  return terminalSafe(text);
}

/** One line for a list row or a notification: the headless verbs' own. */
export { oneLine };

/** Lines of a text, each safe on its own (the detail pane styles them one by one). */
export function safeLines(text: string): string[] {
  return sanitize(text.replace(/\r\n/g, '\n')).split('\n');
}
