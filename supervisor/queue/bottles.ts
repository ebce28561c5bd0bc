import { readdir } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';
import { stateDirOf, stateRoot } from '../../lib/home.js';
import { stateLayout, type StateLayout } from '../../launcher/state/layout.js';
import { readMetadata, type Metadata } from '../../launcher/state/metadata.js';

/** One bottle instance as the supervisor sees it: where its state is and what it is. */
export interface BottleRef {
  slug: string;
  layout: StateLayout;
  metadata: Metadata;
}

const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** Every bottle under `$CLAUDE_BOTTLE_HOME/state/`; unreadable ones are named, not hidden. */
export async function listBottles(
  home: string,
): Promise<{ bottles: BottleRef[]; broken: string[] }> {
  let slugs: string[];
  try {
    slugs = await readdir(stateRoot(home));
  } catch {
    return { bottles: [], broken: [] };
  }
  const bottles: BottleRef[] = [];
  const broken: string[] = [];
  for (const slug of slugs.filter((name) => SLUG_PATTERN.test(name)).sort()) {
    const layout = stateLayout(stateDirOf(home, slug));
    try {
      bottles.push({ slug, layout, metadata: await readMetadata(layout.metadata) });
    } catch {
      broken.push(slug);
    }
  }
  return { bottles, broken };
}

/** One bottle by slug, or NOT_FOUND naming the fix. */
export async function openBottle(home: string, slug: string): Promise<BottleRef> {
  if (!SLUG_PATTERN.test(slug)) {
    throw new BottleError('USAGE', `"${slug}" is not a bottle slug`, {
      hint: 'run `claude-bottle list` for the slugs',
    });
  }
  const layout = stateLayout(stateDirOf(home, slug));
  try {
    return { slug, layout, metadata: await readMetadata(layout.metadata) };
  } catch (error) {
    if (error instanceof BottleError && error.code === 'NOT_FOUND') {
      throw new BottleError('NOT_FOUND', `no bottle "${slug}" in ${stateRoot(home)}`, {
        hint: 'run `claude-bottle list` for the slugs',
      });
    }
    throw error;
  }
}
