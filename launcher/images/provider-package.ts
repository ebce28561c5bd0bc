import { join } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import { EXACT_VERSION_PATTERN as EXACT_VERSION } from '../manifest/agent-provider.js';

/**
 * Which npm package holds a provider CLI for an engine, and where its packed tarball is cached.
 * Pure: provider.ts does the packing, doctor lists the cache, tests check the names.
 */

export type PackedProvider = 'claude' | 'codex';
export const NPM_ARCHES = ['x64', 'arm64'] as const;
export type NpmArch = (typeof NPM_ARCHES)[number];

// `docker info` says x86_64 / aarch64 (Docker Desktop on Apple silicon: aarch64); npm's
// package names use Node's process.arch spelling. The CLIs publish linux x64 and arm64 only.
const ENGINE_TO_NPM: Record<string, NpmArch> = {
  x86_64: 'x64',
  amd64: 'x64',
  x64: 'x64',
  aarch64: 'arm64',
  arm64: 'arm64',
};

/** The npm architecture of the CLI the engine's containers can run. */
export function npmArch(platform: { os: string; arch: string }): NpmArch {
  const arch = ENGINE_TO_NPM[platform.arch.toLowerCase()];
  if (platform.os.toLowerCase() !== 'linux' || !arch) {
    throw new BottleError(
      'IMAGE_BUILD_FAILED',
      `the engine runs ${platform.os || '?'}/${platform.arch || '?'}; the provider CLIs are published for linux x64 and arm64 only`,
      {
        hint: 'use a Linux engine on x86_64 or aarch64, or set CLAUDE_BOTTLE_PROVIDER_PACKAGE to a .tgz built for this platform',
      },
    );
  }
  return arch;
}

/** What `npm view … version` asks to learn the current version for this architecture. */
export function versionQuery(provider: PackedProvider, arch: NpmArch): string {
  // Claude Code's native packages are versioned on their own; Codex's platform builds are
  // versions of @openai/codex itself (0.171.0-linux-x64), so the base version is asked for.
  return provider === 'claude' ? `@anthropic-ai/claude-code-linux-${arch}` : '@openai/codex';
}

/** The package spec `npm pack` fetches: one exact version, one architecture. */
export function packageSpec(provider: PackedProvider, version: string, arch: NpmArch): string {
  checkVersion(version);
  return provider === 'claude'
    ? `@anthropic-ai/claude-code-linux-${arch}@${version}`
    : `@openai/codex@${version}-linux-${arch}`;
}

/** `$CLAUDE_BOTTLE_HOME/cache/provider-<name>/`: one sub-folder per version and architecture. */
export function providerCacheRoot(home: string, provider: string): string {
  return join(home, 'cache', `provider-${provider}`);
}

/** The folder holding exactly one tarball; it is the agent image's `provider/` build context. */
export function providerCacheDir(
  home: string,
  provider: PackedProvider,
  version: string,
  arch: NpmArch,
): string {
  checkVersion(version);
  return join(providerCacheRoot(home, provider), `${version}-${arch}`);
}

/** Reads a cache folder name back; anything else (a temp folder, a local package) is not one. */
export function parseCacheDirName(name: string): { version: string; arch: NpmArch } | undefined {
  const match = /^(.+)-(x64|arm64)$/.exec(name);
  if (!match || !EXACT_VERSION.test(match[1]!)) return undefined;
  return { version: match[1]!, arch: match[2] as NpmArch };
}

/** Orders exact versions: numeric parts first, a pre-release before its release. */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitVersion(a);
  const [coreB = '', preB] = splitVersion(b);
  const partsA = coreA.split('.').map(Number);
  const partsB = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA.localeCompare(preB, 'en', { numeric: true });
}

/** The newest cached version for one architecture (the offline fallback). */
export function newestCached(dirNames: readonly string[], arch: NpmArch): string | undefined {
  return dirNames
    .map(parseCacheDirName)
    .filter((entry) => entry?.arch === arch)
    .map((entry) => entry!.version)
    .sort(compareVersions)
    .at(-1);
}

function splitVersion(version: string): [string, string | undefined] {
  const dash = version.indexOf('-');
  return dash === -1 ? [version, undefined] : [version.slice(0, dash), version.slice(dash + 1)];
}

function checkVersion(version: string): void {
  if (!EXACT_VERSION.test(version)) {
    throw new BottleError('INPUT_INVALID', `"${version}" is not an exact npm version`, {
      hint: 'write a version such as 2.1.333 (no ranges, tags or "v")',
    });
  }
}
