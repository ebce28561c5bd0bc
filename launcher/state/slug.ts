import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError } from '../../lib/errors.js';

/**
 * Claims a fresh `state/<agent>-<hex>/` with an exclusive mkdir, so two concurrent starts of
 * the same agent can never share a slug.
 */
export async function allocateSlug(
  stateRoot: string,
  agent: string,
  random: () => string = () => randomBytes(3).toString('hex'),
): Promise<{ slug: string; dir: string }> {
  await mkdir(stateRoot, { recursive: true });
  for (let attempt = 0; attempt < 20; attempt++) {
    const slug = `${agent}-${random()}`;
    const dir = join(stateRoot, slug);
    try {
      await mkdir(dir, { mode: 0o700 });
      return { slug, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new BottleError('INTERNAL', `could not allocate a state directory under ${stateRoot}`);
}

/** Compose project names allow lowercase letters, digits, "-" and "_". */
export function composeProjectOf(slug: string): string {
  return `cb-${slug}`.replace(/[^a-z0-9_-]/g, '-');
}
