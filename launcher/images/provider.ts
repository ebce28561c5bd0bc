import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import { BottleError } from '../../lib/errors.js';
import type { DockerAdapter } from '../docker.js';
import { EXACT_VERSION_PATTERN } from '../manifest/agent-provider.js';
import type { AgentProvider, Provider } from '../manifest/index.js';
import {
  newestCached,
  npmArch,
  packageSpec,
  parseCacheDirName,
  providerCacheDir,
  providerCacheRoot,
  versionQuery,
  type NpmArch,
  type PackedProvider,
} from './provider-package.js';

export type NpmRunner = (
  args: string[],
  env: NodeJS.ProcessEnv,
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export interface ProviderPackageDeps {
  /** The engine the image is built for; absent, the host's own architecture is assumed. */
  docker?: Pick<DockerAdapter, 'platform'>;
  /** How npm runs (tests pass a fake: they never reach the registry). */
  npm?: NpmRunner;
  /** Where the offline-fallback warning goes. */
  progress?: (line: string) => void;
}

const runNpm: NpmRunner = async (args, env) => {
  const result = await execa('npm', args, { env, reject: false });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
};

/**
 * The folder holding the provider CLI's packed tarball, the agent image's `provider/` build
 * context (an empty folder for `none`). The CLI is packed on the host because image builds
 * cannot reach the npm registry, for the engine's architecture, at the pinned version or the
 * registry's current one, and cached per version and architecture under $CLAUDE_BOTTLE_HOME.
 */
export async function providerPackageDir(
  provider: Provider | AgentProvider,
  home: string,
  env: NodeJS.ProcessEnv,
  deps: ProviderPackageDeps = {},
): Promise<string> {
  const wanted: AgentProvider = typeof provider === 'string' ? { name: provider } : provider;
  if (wanted.name === 'none') {
    const dir = providerCacheRoot(home, 'none');
    await mkdir(dir, { recursive: true });
    return dir;
  }
  const name = wanted.name;
  const local = env.CLAUDE_BOTTLE_PROVIDER_PACKAGE;
  if (local) return localPackageDir(name, resolve(local), home);

  const npm = deps.npm ?? runNpm;
  const platform = deps.docker ? await deps.docker.platform() : { os: 'linux', arch: process.arch };
  const arch = npmArch(platform);
  await mkdir(providerCacheRoot(home, name), { recursive: true });
  const version =
    wanted.version ?? (await currentOrCachedVersion(name, arch, home, env, npm, deps));
  const dir = providerCacheDir(home, name, version, arch);
  if (await holdsTarball(dir)) return dir;
  const spec = packageSpec(name, version, arch);
  await intoCache(dir, async (temp) => {
    const result = await npm(['pack', spec, '--pack-destination', temp, '--silent'], env);
    if (result.exitCode !== 0) {
      throw new BottleError('IMAGE_BUILD_FAILED', `cannot pack the ${name} CLI (${spec})`, {
        hint: `${firstLine(result.stderr) || 'npm pack failed'}; check that \`npm pack ${spec}\` works on this host${wanted.version ? ', or change agent_provider.version' : ''}, or set CLAUDE_BOTTLE_PROVIDER_PACKAGE to a local .tgz`,
      });
    }
  });
  return dir;
}

/** One `npm view` per start; offline, the newest tarball already cached for this architecture. */
async function currentOrCachedVersion(
  name: PackedProvider,
  arch: NpmArch,
  home: string,
  env: NodeJS.ProcessEnv,
  npm: NpmRunner,
  deps: ProviderPackageDeps,
): Promise<string> {
  const query = versionQuery(name, arch);
  const view = await npm(['view', query, 'version'], env);
  const version = view.stdout.trim();
  if (view.exitCode === 0 && EXACT_VERSION_PATTERN.test(version)) return version;
  const why = firstLine(view.stderr) || `no version in "${firstLine(version)}"`;
  const cached = newestCached(await readdir(providerCacheRoot(home, name)), arch);
  if (cached) {
    deps.progress?.(
      `warning: cannot ask the npm registry for the current ${query} (${why}); using the cached ${name} CLI ${cached} for linux-${arch}`,
    );
    return cached;
  }
  throw new BottleError(
    'IMAGE_BUILD_FAILED',
    `cannot find the current ${query} version (${why}) and no ${name} CLI for linux-${arch} is cached`,
    {
      hint: `check that \`npm view ${query} version\` works on this host, or set CLAUDE_BOTTLE_PROVIDER_PACKAGE to a local .tgz`,
    },
  );
}

/** CLAUDE_BOTTLE_PROVIDER_PACKAGE wins over the registry; cached by content, so an edit is seen. */
async function localPackageDir(name: PackedProvider, file: string, home: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new BottleError(
      'CONFIG_INVALID',
      `CLAUDE_BOTTLE_PROVIDER_PACKAGE=${file} cannot be read`,
      { hint: `point it at a packed ${name} CLI .tgz, or unset it`, cause: error },
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = join(providerCacheRoot(home, name), `local-${digest}`);
  if (await holdsTarball(dir)) return dir;
  const target = basename(file).endsWith('.tgz') ? basename(file) : `${basename(file)}.tgz`;
  await intoCache(dir, (temp) => copyFile(file, join(temp, target)));
  return dir;
}

/** Fills a temp folder and renames it into place, so an interrupted pack is never reused. */
async function intoCache(dir: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(temp, { recursive: true });
  try {
    await fill(temp);
    if (!(await holdsTarball(temp))) {
      throw new BottleError('IMAGE_BUILD_FAILED', `no package tarball was written for ${dir}`, {
        hint: 'run the same npm pack by hand to see why',
      });
    }
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another start packed the same version meanwhile: theirs is as good as ours.
      if (!(await holdsTarball(dir))) throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function holdsTarball(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((entry) => entry.endsWith('.tgz'));
  } catch {
    return false;
  }
}

export interface CachedProvider {
  name: PackedProvider;
  /** An exact version, or `local` for a CLAUDE_BOTTLE_PROVIDER_PACKAGE copy. */
  version: string;
  arch: NpmArch | undefined;
  tarball: string;
  bytes: number;
}

/** What is in the cache, read from the folder names alone: no registry, no engine. */
export async function cachedProviders(home: string): Promise<CachedProvider[]> {
  const found: CachedProvider[] = [];
  for (const name of ['claude', 'codex'] as const) {
    const root = providerCacheRoot(home, name);
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const entry of entries.sort()) {
      const parsed = parseCacheDirName(entry);
      if (!parsed && !/^local-[0-9a-f]+$/.test(entry)) continue;
      const tarball = (await readdir(join(root, entry)).catch(() => [] as string[])).find((f) =>
        f.endsWith('.tgz'),
      );
      if (!tarball) continue;
      const path = join(root, entry, tarball);
      found.push({
        name,
        version: parsed?.version ?? 'local',
        arch: parsed?.arch,
        tarball: path,
        bytes: (await stat(path)).size,
      });
    }
  }
  return found;
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}
