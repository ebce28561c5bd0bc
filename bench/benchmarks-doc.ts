import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * Replaces the `## <heading>` section of docs/benchmarks.md (or appends it), keeping every
 * other section: each bench owns one section and rewrites only that one.
 */
export async function replaceSection(
  file: string,
  heading: string,
  section: string,
): Promise<void> {
  const current = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf(`\n## ${heading}\n`);
  let next = start === -1 ? -1 : current.indexOf('\n## ', start + 1);
  if (next !== -1) next += 1;
  const updated =
    start === -1
      ? `${current.trimEnd()}\n\n${section}`
      : `${current.slice(0, start + 1)}${section}${next === -1 ? '' : `\n${current.slice(next)}`}`;
  await writeFile(file, updated);
}
