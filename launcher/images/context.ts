import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import type { ImageRecipe } from './recipes.js';

/**
 * The content hash of a recipe: every context file's path and bytes plus the build args (which
 * name the parent's tag, itself a hash). Same inputs → same tag → no rebuild.
 */
export async function recipeHash(recipe: ImageRecipe): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`recipe ${recipe.name}\n`);
  for (const [key, value] of Object.entries(recipe.buildArgs).sort())
    hash.update(`arg ${key}=${value}\n`);
  for (const [name, source] of Object.entries(recipe.files).sort()) {
    for (const file of await listFiles(source, recipe)) {
      const rel = join(name, relative(source, file));
      hash.update(`file ${rel}\n`);
      hash.update(await readFile(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export function tagFor(recipe: ImageRecipe, hash: string): string {
  return `claude-bottle/${recipe.name}:${hash}`;
}

/** Copies the recipe's files into a fresh folder: the exact build context, nothing else. */
export async function assembleContext(
  recipe: ImageRecipe,
): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), `cb-build-${recipe.name}-`));
  for (const [name, source] of Object.entries(recipe.files)) {
    await cp(source, join(dir, name), { recursive: true });
  }
  return { dir, files: Object.keys(recipe.files) };
}

async function listFiles(source: string, recipe: ImageRecipe): Promise<string[]> {
  let info;
  try {
    info = await stat(source);
  } catch {
    const bundle = source.endsWith('.mjs');
    throw new BottleError('IMAGE_MISSING', `image ${recipe.name}: ${source} does not exist`, {
      hint: bundle
        ? 'run `npm run build` (it bundles the sidecar code the images copy)'
        : 'the installation is incomplete; reinstall claude-bottle',
    });
  }
  if (!info.isDirectory()) return [source];
  const entries = await readdir(source, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
