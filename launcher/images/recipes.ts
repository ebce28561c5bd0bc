import { join } from 'node:path';
import { packageRoot } from '../../lib/package-root.js';
import type { Provider } from '../manifest/index.js';

/** What one image is built from: a folder's Dockerfile plus named files, and build args. */
export interface ImageRecipe {
  name: string;
  /** Context file name → where it comes from on the host (a file or a folder). */
  files: Record<string, string>;
  buildArgs: Record<string, string>;
}

export const SIDECARS = ['egress-proxy', 'supervise', 'git-gate'] as const;
export type Sidecar = (typeof SIDECARS)[number];

/** Where the built sidecar bundle for an image comes from (`npm run build` writes it). */
export function bundlePath(sidecar: Sidecar): string {
  return join(packageRoot(), 'dist', 'bundles', `${sidecar}.mjs`);
}

function imageDir(name: string): string {
  return join(packageRoot(), 'images', name);
}

export function baseRecipe(): ImageRecipe {
  return {
    name: 'base',
    files: { Dockerfile: join(imageDir('base'), 'Dockerfile') },
    buildArgs: {},
  };
}

export function sidecarRecipe(sidecar: Sidecar, baseTag: string): ImageRecipe {
  return {
    name: sidecar,
    files: {
      Dockerfile: join(imageDir(sidecar), 'Dockerfile'),
      [`${sidecar}.mjs`]: bundlePath(sidecar),
    },
    buildArgs: { BASE_IMAGE: baseTag },
  };
}

/** `providerDir` holds the provider CLI's packed tarball (empty for `none`). */
export function agentRecipe(provider: Provider, baseTag: string, providerDir: string): ImageRecipe {
  const dir = imageDir('agent');
  return {
    name: 'agent',
    files: {
      Dockerfile: join(dir, 'Dockerfile'),
      'netguard.sh': join(dir, 'netguard.sh'),
      'entrypoint.sh': join(dir, 'entrypoint.sh'),
      'install-provider.sh': join(dir, 'install-provider.sh'),
      'start-agent.sh': join(dir, 'start-agent.sh'),
      provider: providerDir,
    },
    buildArgs: { BASE_IMAGE: baseTag, PROVIDER: provider },
  };
}

/** The bottle's own Dockerfile (live-config/Dockerfile), layered on the agent image. */
export function bottleAgentRecipe(dockerfile: string, agentTag: string): ImageRecipe {
  return {
    name: 'agent-custom',
    files: { Dockerfile: dockerfile },
    buildArgs: { AGENT_IMAGE: agentTag },
  };
}

/** Restores the stock /opt/claude-bottle over a bottle's own agent image. */
export function sealRecipe(customTag: string, agentTag: string): ImageRecipe {
  return {
    name: 'agent-sealed',
    files: { Dockerfile: join(imageDir('agent'), 'seal.Dockerfile') },
    buildArgs: { AGENT_IMAGE: agentTag, CUSTOM_IMAGE: customTag },
  };
}
