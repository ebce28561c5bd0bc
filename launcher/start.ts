import { chown, readdir, lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { BottleError } from '../lib/errors.js';
import { resolveHome, stateRoot } from '../lib/home.js';
import { composeDown, composeUp } from './compose.js';
import type { DockerAdapter } from './docker.js';
import { bottleImages } from './images/bottle-images.js';
import { manifestFileSha256 } from './manifest/digest.js';
import {
  loadManifests,
  resolveSecrets,
  providerOf,
  selectAgentAndBottle,
  type SecretValues,
  type Selection,
} from './manifest/index.js';
import {
  plannedCredential,
  proxySecretValues,
  resolveProviderCredential,
} from './credentials/resolve.js';
import { agentCommand, agentEnvironment } from './plan/agent-runtime.js';
import { renderCompose } from './plan/compose-file.js';
import { stateLayout, type StateLayout } from './state/layout.js';
import {
  bottleSecretsPaths,
  removeBottleSecrets,
  secretsRootOf,
  writeBottleSecrets,
  type BottleSecrets,
} from './state/secrets-dir.js';
import { waitForAgentReady } from './wait-ready.js';
import { updateMetadata, writeMetadata, type Metadata } from './state/metadata.js';
import { prepareState } from './state/prepare.js';
import { allocateSlug, composeProjectOf } from './state/slug.js';

export interface StartOptions {
  agent: string;
  bottle?: string;
  repo?: string;
  branch?: string;
  dryRun: boolean;
  prompt?: string;
}

export interface StartDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
  progress: (line: string) => void;
  /** Absent only for --dry-run. */
  docker?: DockerAdapter;
  uid?: number;
  gid?: number;
}

export interface StartResult {
  slug: string;
  layout: StateLayout;
  metadata: Metadata;
  /** The environment `docker compose` runs with: the caller's (the secrets are files, not in it). */
  composeEnv: NodeJS.ProcessEnv;
}

/**
 * `claude-bottle start`: resolve, write state/<slug>/, build, bring up. Any failure (or Ctrl-C)
 * after the state dir exists tears down what was created and records status "failed" with
 * the reason; the state dir stays for inspection.
 */
export async function startBottle(options: StartOptions, deps: StartDeps): Promise<StartResult> {
  const home = resolveHome(deps.env, deps.cwd);
  const set = await loadManifests({ home, cwd: deps.cwd, env: deps.env });
  const selection = selectAgentAndBottle(set, options.agent, options.bottle);
  const source = workspaceSource(selection, options.repo, deps.cwd);
  // Before anything is created: a missing secret must not leave a half-made bottle.
  const declared = options.dryRun
    ? new Map<string, string>()
    : await resolveSecrets(selection.bottle, { env: deps.env });
  const credential = options.dryRun
    ? plannedCredential(selection.bottle)
    : await resolveProviderCredential(selection.bottle, declared, { env: deps.env });
  const secrets = proxySecretValues(declared, credential);
  if (credential) deps.progress(`provider sign-in: ${credential.summary}`);
  checkAborted(deps.signal);

  const { slug, dir } = await allocateSlug(stateRoot(home), selection.agent.name);
  const layout = stateLayout(dir);
  const project = composeProjectOf(slug);
  const runAs = sidecarUser(
    deps.uid ?? process.getuid?.() ?? 1000,
    deps.gid ?? process.getgid?.() ?? 1000,
  );
  const secretsRoot = secretsRootOf(deps.env, home, deps.uid ?? process.getuid?.() ?? 1000);
  const secretsPaths = bottleSecretsPaths(secretsRoot, dir, slug);
  const now = new Date().toISOString();
  let metadata: Metadata = {
    v: 1,
    slug,
    agent: selection.agent.name,
    agent_source: selection.agent.source,
    bottle: selection.bottle.name,
    provider: providerOf(selection.bottle).name,
    sign_in: credential?.signIn ?? null,
    branch: options.branch ?? null,
    repo: options.repo ?? null,
    compose_project: project,
    secrets_dir: secretsPaths.dir,
    manifest_sha256: await manifestFileSha256(selection.bottle.file),
    images: {},
    services: [],
    status: 'creating',
    reason: null,
    created_at: now,
    started_at: null,
    updated_at: now,
  };
  await writeMetadata(layout.metadata, metadata);
  deps.progress(`state: ${dir}`);

  const composeEnv = deps.env;
  let composeWritten = false;
  try {
    const { mcpToken } = await prepareState({
      selection,
      layout,
      env: deps.env,
      repoPath: source.path,
      credential,
    });
    if (runAs.chown) await chownTree(dir, runAs.uid, runAs.gid);
    checkAborted(deps.signal);
    const images = await bottleImages({
      selection,
      home,
      liveConfigDir: layout.liveConfig,
      env: deps.env,
      docker: options.dryRun ? undefined : deps.docker,
      progress: deps.progress,
    });
    checkAborted(deps.signal);
    const runtime = {
      selection,
      mcpToken,
      branch: options.branch,
      cloneUrl: source.cloneUrl,
      prompt: options.prompt,
      signIn: credential?.signIn,
    };
    const compose = renderCompose({
      project,
      slug,
      layout,
      images: {
        agent: images.agent,
        egressProxy: images.egressProxy,
        supervise: images.supervise,
        gitGate: images.gitGate,
      },
      user: { uid: runAs.uid, gid: runAs.gid },
      provider: providerOf(selection.bottle).name,
      secretsDirs: { egressProxy: secretsPaths.egressProxy, gitGate: secretsPaths.gitGate },
      gateExtraHosts: Object.assign(
        {},
        ...selection.bottle.config.git.remotes.map((r) => r.extra_hosts),
      ) as Record<string, string>,
      upstreamCa: selection.bottle.config.egress.upstream_ca !== undefined,
      tokenAllowTimeoutSeconds: selection.bottle.config.supervise.token_allow_timeout_seconds,
      limits: selection.bottle.config.limits,
      agent: {
        command: agentCommand(runtime),
        environment: agentEnvironment(runtime),
        seedBundle: source.path !== undefined,
      },
    });
    await writeFileAtomic(
      layout.composeFile,
      `# claude-bottle ${slug}: docker compose -f ${layout.composeFile} ps\n${stringify(compose, { aliasDuplicateObjects: false })}`,
    );
    composeWritten = true;
    const services = Object.keys(compose.services as object);
    const { agentBase, ...running } = images;
    metadata = await updateMetadata(layout.metadata, {
      images: { ...running },
      agent_base_image: agentBase,
      services,
      status: options.dryRun ? 'planned' : 'starting',
    });
    if (options.dryRun) return { slug, layout, metadata, composeEnv };
    await writeBottleSecrets(
      secretsRoot,
      secretsPaths,
      bottleSecrets(selection, secrets),
      runAs.chown ? runAs : undefined,
    );
    deps.progress(`starting ${services.join(', ')} (compose project ${project})`);
    await composeUp({
      file: layout.composeFile,
      env: composeEnv,
      log: layout.composeLog,
      signal: deps.signal,
    });
    if (deps.docker) await waitForAgentReady(deps.docker, project, { signal: deps.signal });
    checkAborted(deps.signal);
    const stamp = new Date().toISOString();
    metadata = await updateMetadata(layout.metadata, { status: 'running', started_at: stamp });
    return { slug, layout, metadata, composeEnv };
  } catch (error) {
    const reason = deps.signal?.aborted
      ? 'interrupted (Ctrl-C) during start'
      : error instanceof Error
        ? error.message
        : String(error);
    if (composeWritten && !options.dryRun) {
      await composeDown({
        file: layout.composeFile,
        env: composeEnv,
        log: layout.composeLog,
      }).catch(() => undefined);
    }
    if (!options.dryRun) await removeBottleSecrets(secretsPaths).catch(() => undefined);
    await updateMetadata(layout.metadata, { status: 'failed', reason }).catch(() => undefined);
    if (deps.signal?.aborted && !(error instanceof BottleError)) {
      throw new BottleError(
        'START_FAILED',
        `start of ${slug} was interrupted; containers removed`,
        { hint: `state kept in ${dir}` },
      );
    }
    throw error;
  }
}

/**
 * Which sidecar gets which value: the proxy every secret it is handed (to inject, and to refuse
 * on the wire), the gate each remote's identity under the remote's name.
 */
export function bottleSecrets(selection: Selection, proxySecrets: SecretValues): BottleSecrets {
  const gate = new Map<string, string>();
  for (const remote of selection.bottle.config.git.remotes) {
    if (remote.identity) gate.set(remote.name, proxySecrets.get(remote.identity) ?? '');
  }
  return { proxy: proxySecrets, gate };
}

function workspaceSource(
  selection: Selection,
  repo: string | undefined,
  cwd: string,
): { path?: string; cloneUrl?: string } {
  const remotes = selection.bottle.config.git.remotes;
  if (repo === undefined) return remotes[0] ? { cloneUrl: remotes[0].url } : {};
  if (/^(?:ssh|https?|git):\/\/|^[^/\s]+@[^/\s]+:/.test(repo)) {
    if (!remotes.some((remote) => remote.url === repo)) {
      throw new BottleError(
        'USAGE',
        `--repo ${repo} is not a remote of bottle "${selection.bottle.name}"`,
        {
          hint: `the agent clones only through git-gate: add it to git.remotes in ${selection.bottle.file}, or pass a local path`,
        },
      );
    }
    return { cloneUrl: repo };
  }
  return {
    path: resolve(cwd, repo),
  };
}

/** Sidecars never run as root: an invoking root user gets uid 1000 and state/ is handed to it. */
function sidecarUser(uid: number, gid: number): { uid: number; gid: number; chown: boolean } {
  return uid === 0 ? { uid: 1000, gid: 1000, chown: true } : { uid, gid, chown: false };
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if (!(await lstat(path)).isSymbolicLink()) await chown(path, uid, gid);
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BottleError('START_FAILED', 'interrupted (Ctrl-C)');
}
