import { rm } from 'node:fs/promises';
import type { DockerAdapter } from '../docker.js';
import { assembleContext, recipeHash, tagFor } from './context.js';
import type { ImageRecipe } from './recipes.js';

export interface Progress {
  (line: string): void;
}

/** The tag a recipe builds to, without touching the engine (for --dry-run plans). */
export async function plannedTag(recipe: ImageRecipe): Promise<string> {
  return tagFor(recipe, await recipeHash(recipe));
}

/** Builds the recipe unless an image with its content-hash tag exists. Returns the tag. */
export async function ensureImage(
  docker: DockerAdapter,
  recipe: ImageRecipe,
  progress: Progress,
): Promise<string> {
  const tag = await plannedTag(recipe);
  if (await docker.imageExists(tag)) {
    progress(`image ${tag} (cached)`);
    return tag;
  }
  progress(`building ${tag}`);
  const context = await assembleContext(recipe);
  const started = Date.now();
  try {
    await docker.buildImage({
      contextDir: context.dir,
      files: context.files,
      tag,
      buildArgs: recipe.buildArgs,
      onLine: (line) => {
        if (/^Step \d+\/\d+ :/.test(line)) progress(`  ${recipe.name}: ${line}`);
      },
    });
  } finally {
    await rm(context.dir, { recursive: true, force: true });
  }
  progress(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return tag;
}
