/** A Markdown manifest split into its YAML front matter and its body. */
export interface FrontMatter {
  yaml: string;
  body: string;
  /** Lines before the YAML text (the opening `---`), added to YAML line numbers. */
  lineOffset: number;
}

export type FrontMatterResult = { ok: true; value: FrontMatter } | { ok: false; message: string };

/**
 * `---` on the first line opens the front matter and the next line that is exactly `---`
 * closes it. Anything else is refused rather than guessed at: a manifest that silently
 * loaded as "no settings" would run an agent with defaults the author never chose.
 */
export function splitFrontMatter(text: string): FrontMatterResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') {
    return {
      ok: false,
      message:
        'no YAML front matter → start the file with a line "---", the settings, then a closing "---"',
    };
  }
  const close = lines.findIndex((line, i) => i > 0 && line.trimEnd() === '---');
  if (close === -1) {
    return {
      ok: false,
      message: 'the front matter is never closed → add a line "---" after the settings',
    };
  }
  return {
    ok: true,
    value: {
      yaml: lines.slice(1, close).join('\n'),
      body: lines
        .slice(close + 1)
        .join('\n')
        .trim(),
      lineOffset: 1,
    },
  };
}
