import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BottleError } from '../lib/errors.js';
import { resolveHome, stateDirOf, stateRoot } from '../lib/home.js';
import { composeDown, composeUp } from './compose.js';
import type { DockerAdapter } from './docker.js';
import {
  describeSignIn,
  proxySecretValues,
  resolveProviderCredential,
} from './credentials/resolve.js';
import { loadManifests, resolveSecrets, selectAgentAndBottle } from './manifest/index.js';
import { writeCodexLoginPlaceholder } from './state/prepare.js';
import { stateLayout } from './state/layout.js';
import { readMetadata, updateMetadata, type Metadata } from './state/metadata.js';
import { removeBottleSecrets, secretsPathsAt, writeBottleSecrets } from './state/secrets-dir.js';
import { bottleSecrets } from './start.js';
import { waitForAgentReady } from './wait-ready.js';

export interface InstanceDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
}

/** Every bottle instance under state/, newest first; unreadable ones are reported, not hidden. */
export async function listInstances(
  deps: InstanceDeps,
): Promise<{ instances: Metadata[]; broken: string[] }> {
  const root = stateRoot(resolveHome(deps.env, deps.cwd));
  let slugs: string[];
  try {
    slugs = await readdir(root);
  } catch {
    return { instances: [], broken: [] };
  }
  const instances: Metadata[] = [];
  const broken: string[] = [];
  for (const slug of slugs.sort()) {
    try {
      instances.push(await readMetadata(stateLayout(join(root, slug)).metadata));
    } catch {
      broken.push(slug);
    }
  }
  instances.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { instances, broken };
}

export async function instanceLayout(slug: string, deps: InstanceDeps) {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(slug)) {
    throw new BottleError('USAGE', `"${slug}" is not a bottle slug`, {
      hint: 'run `claude-bottle list` for the slugs',
    });
  }
  const layout = stateLayout(stateDirOf(resolveHome(deps.env, deps.cwd), slug));
  const metadata = await readMetadata(layout.metadata).catch((error: unknown) => {
    if (error instanceof BottleError && error.code === 'NOT_FOUND') {
      throw new BottleError('NOT_FOUND', `no bottle "${slug}"`, {
        hint: 'run `claude-bottle list` for the slugs',
      });
    }
    throw error;
  });
  return { layout, metadata };
}

/** Removes the bottle's containers and networks; keeps state/<slug>/ and the workspace volume. */
export async function stopInstance(slug: string, deps: InstanceDeps): Promise<Metadata> {
  const { layout, metadata } = await instanceLayout(slug, deps);
  if (metadata.status === 'planned') return metadata;
  await composeDown({ file: layout.composeFile, env: deps.env, log: layout.composeLog });
  // The sidecars that read them are gone; resume writes them again from the manifest's sources.
  if (metadata.secrets_dir) await removeBottleSecrets({ dir: metadata.secrets_dir });
  return updateMetadata(layout.metadata, {
    status: metadata.status === 'failed' ? 'failed' : 'stopped',
  });
}

/** Brings a stopped bottle back with its state, workspace and transcript; secrets are resolved again. */
export async function resumeInstance(
  slug: string,
  deps: InstanceDeps & { docker: DockerAdapter },
): Promise<Metadata> {
  const { layout, metadata } = await instanceLayout(slug, deps);
  if (metadata.status === 'planned') {
    throw new BottleError(
      'USAGE',
      `${slug} was only planned (--dry-run); there is nothing to resume`,
      {
        hint: `start it: claude-bottle start ${metadata.agent} --bottle ${metadata.bottle}`,
      },
    );
  }
  const secretsDir = metadata.secrets_dir;
  if (secretsDir === undefined) {
    throw new BottleError(
      'STATE_INVALID',
      `${slug} was started by a launcher that handed secrets through the environment`,
      {
        hint: `start a new bottle: claude-bottle start ${metadata.agent} --bottle ${metadata.bottle}`,
      },
    );
  }
  for (const image of Object.values(metadata.images)) {
    if (!(await deps.docker.imageExists(image))) {
      throw new BottleError('IMAGE_MISSING', `image ${image} of ${slug} is gone from the engine`, {
        hint: `start a new bottle (claude-bottle start ${metadata.agent} --bottle ${metadata.bottle}); it rebuilds the images`,
      });
    }
  }
  const home = resolveHome(deps.env, deps.cwd);
  const set = await loadManifests({ home, cwd: deps.cwd });
  const selection = selectAgentAndBottle(set, metadata.agent, metadata.bottle);
  const secrets = await resolveSecrets(selection.bottle, { env: deps.env });
  const credential = await resolveProviderCredential(selection.bottle, secrets, {
    env: deps.env,
  });
  // The compose file and routes.yaml were written for the sign-in found at start.
  const signIn = credential?.signIn ?? null;
  if (metadata.sign_in !== undefined && signIn !== metadata.sign_in) {
    throw new BottleError(
      'CREDENTIAL_INVALID',
      `${slug} started signed in with ${describeSignIn(metadata.sign_in)}, and the bottle's auth_token now gives ${describeSignIn(signIn)}`,
      {
        hint: `put the original credential back, or start a new bottle: claude-bottle start ${metadata.agent} --bottle ${metadata.bottle}`,
      },
    );
  }
  await writeCodexLoginPlaceholder(layout, credential);
  await writeBottleSecrets(
    dirname(secretsDir),
    secretsPathsAt(secretsDir),
    bottleSecrets(selection, proxySecretValues(secrets, credential)),
    await secretsOwner(layout.dir),
  );
  await composeUp({
    file: layout.composeFile,
    env: deps.env,
    log: layout.composeLog,
    signal: deps.signal,
  });
  await waitForAgentReady(deps.docker, metadata.compose_project, { signal: deps.signal });
  return updateMetadata(layout.metadata, {
    status: 'running',
    reason: null,
    started_at: new Date().toISOString(),
  });
}

/** Root launchers hand the files to the uid the sidecars run as: the owner of state/<slug>/. */
async function secretsOwner(stateDir: string): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { uid, gid } = await stat(stateDir);
  return uid === 0 ? undefined : { uid, gid };
}
