import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LIVE_CONFIG_FILES } from '../../lib/live-config.js';
import type { DockerAdapter } from '../docker.js';
import { providerOf, type Selection } from '../manifest/index.js';
import { DEFAULT_AGENT_DOCKERFILE } from '../state/live-config.js';
import { ensureImage, plannedTag, type Progress } from './ensure.js';
import { providerPackageDir } from './provider.js';
import {
  agentRecipe,
  baseRecipe,
  bottleAgentRecipe,
  sealRecipe,
  sidecarRecipe,
  type ImageRecipe,
} from './recipes.js';

export interface BottleImages {
  base: string;
  /** What the agent container runs: the stock agent image, or the bottle's own sealed over it. */
  agent: string;
  /** The stock agent image a bottle's own Dockerfile is built on (a capability rebuild needs it). */
  agentBase: string;
  egressProxy: string;
  supervise?: string;
  gitGate?: string;
}

export interface ImagePlanOptions {
  selection: Selection;
  home: string;
  liveConfigDir: string;
  env: NodeJS.ProcessEnv;
  /** Absent: only compute the tags (--dry-run), touching no engine. */
  docker?: DockerAdapter;
  progress: Progress;
}

/** Every image the bottle runs, each built only when its content hash is new. */
export async function bottleImages(options: ImagePlanOptions): Promise<BottleImages> {
  const { selection, docker, progress } = options;
  const build = (recipe: ImageRecipe) =>
    docker ? ensureImage(docker, recipe, progress) : plannedTag(recipe);
  const base = await build(baseRecipe());
  const provider = providerOf(selection.bottle);
  // A dry run packs nothing: a provider CLI's tag is only known once its package is packed.
  const agentBase =
    docker || provider.name === 'none'
      ? await build(
          agentRecipe(
            provider.name,
            base,
            await providerPackageDir(provider, options.home, options.env, { docker, progress }),
          ),
        )
      : `claude-bottle/agent:${provider.name}-packed-at-start`;
  const agent = await bottleAgentImage(
    build,
    join(options.liveConfigDir, LIVE_CONFIG_FILES.dockerfile),
    agentBase,
  );
  const images: BottleImages = {
    base,
    agent,
    agentBase,
    egressProxy: await build(sidecarRecipe('egress-proxy', base)),
  };
  if (selection.bottle.config.supervise.enabled)
    images.supervise = await build(sidecarRecipe('supervise', base));
  if (selection.bottle.config.git.remotes.length > 0)
    images.gitGate = await build(sidecarRecipe('git-gate', base));
  return images;
}

/**
 * The image the agent runs for a bottle Dockerfile: the stock image itself for the default
 * file, else that file built on the stock image and then sealed (the stock sandboxing scripts
 * put back over whatever the file did), the one way start and a capability rebuild make it.
 */
export async function bottleAgentImage(
  build: (recipe: ImageRecipe) => Promise<string>,
  dockerfile: string,
  agentBase: string,
): Promise<string> {
  if ((await readFile(dockerfile, 'utf8')) === DEFAULT_AGENT_DOCKERFILE) return agentBase;
  const custom = await build(bottleAgentRecipe(dockerfile, agentBase));
  return build(sealRecipe(custom, agentBase));
}
