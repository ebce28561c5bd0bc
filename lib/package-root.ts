import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding claude-bottle's package.json, whether running from source (tsx) or from
 * dist/: images/ and dist/bundles/ are found relative to it.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'images')))
      return (cached = dir);
    dir = dirname(dir);
  }
  throw new Error('cannot find the claude-bottle package root (package.json beside images/)');
}
