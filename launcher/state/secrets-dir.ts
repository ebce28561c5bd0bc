import { createHash } from 'node:crypto';
import { chown, lstat, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError } from '../../lib/errors.js';

/**
 * The bottle's secret values, as files: one folder per sidecar (`egress-proxy/<secret>`,
 * `git-gate/<remote>`), each bind-mounted read-only into that sidecar alone at
 * SIDECAR_SECRETS_DIR. Never under state/ (which is copied, listed and mounted elsewhere), never
 * in the environment of a container (`docker inspect` prints that). Written at start and resume,
 * removed at stop; a capability rebuild recreates only the agent and leaves them as they are.
 */
export const SIDECAR_SECRETS_DIR = '/run/claude-bottle/secrets';

export interface BottleSecretsPaths {
  /** The bottle's folder (0700, the launcher's uid). */
  dir: string;
  /** Mounted into egress-proxy only: a file per secret the proxy injects or scans for. */
  egressProxy: string;
  /** Mounted into git-gate only: a file per remote with an identity. */
  gitGate: string;
}

export interface BottleSecrets {
  /** secret name (the bottle's `secrets:` key) → value. */
  proxy: ReadonlyMap<string, string>;
  /** remote name → its identity's value (SSH key or HTTPS token). */
  gate: ReadonlyMap<string, string>;
}

/**
 * Where every bottle's secret folder lives: `$CLAUDE_BOTTLE_RUNTIME_DIR`, else
 * `$XDG_RUNTIME_DIR/claude-bottle` (a per-user tmpfs on Linux), else `/run/claude-bottle` for
 * root (tmpfs on most hosts), else `$CLAUDE_BOTTLE_HOME/run` (macOS: a folder Docker Desktop
 * shares). Whatever it is, the engine must be able to bind-mount from it.
 */
export function secretsRootOf(env: NodeJS.ProcessEnv, home: string, uid: number): string {
  if (env.CLAUDE_BOTTLE_RUNTIME_DIR) return env.CLAUDE_BOTTLE_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'claude-bottle');
  if (uid === 0) return '/run/claude-bottle';
  return join(home, 'run');
}

/** One bottle's folder under the root; the state dir's hash keeps two homes' equal slugs apart. */
export function bottleSecretsPaths(
  root: string,
  stateDir: string,
  slug: string,
): BottleSecretsPaths {
  const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 12);
  return secretsPathsAt(join(root, `${slug}-${tag}`));
}

/** The folders of a bottle's secret folder (metadata.json's `secrets_dir`). */
export function secretsPathsAt(dir: string): BottleSecretsPaths {
  return { dir, egressProxy: join(dir, 'egress-proxy'), gitGate: join(dir, 'git-gate') };
}

/**
 * Writes the folder afresh: files 0400 and folders 0700, owned by the sidecars' uid (chowned
 * when the launcher runs as root and the sidecars as another uid). The root must be ours and
 * closed to everyone else, or nothing is written.
 */
export async function writeBottleSecrets(
  root: string,
  paths: BottleSecretsPaths,
  secrets: BottleSecrets,
  owner?: { uid: number; gid: number },
): Promise<void> {
  await ensurePrivateRoot(root);
  await removeBottleSecrets(paths);
  await mkdir(paths.dir, { mode: 0o700 });
  const folders: Array<[string, ReadonlyMap<string, string>]> = [
    [paths.egressProxy, secrets.proxy],
    [paths.gitGate, secrets.gate],
  ];
  for (const [folder, values] of folders) {
    await mkdir(folder, { mode: 0o700 });
    for (const [name, value] of values) {
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
        throw new BottleError('INTERNAL', `"${name}" cannot name a secret file`);
      }
      const file = join(folder, name);
      // 'wx': never through a file or link someone else put there.
      const handle = await open(file, 'wx', 0o400);
      try {
        await handle.writeFile(value, 'utf8');
      } finally {
        await handle.close();
      }
      if (owner) await chown(file, owner.uid, owner.gid);
    }
    if (owner) await chown(folder, owner.uid, owner.gid);
  }
}

/** Removes a bottle's secret folder (nothing when it is gone already). */
export async function removeBottleSecrets(paths: Pick<BottleSecretsPaths, 'dir'>): Promise<void> {
  await rm(paths.dir, { recursive: true, force: true });
}

async function ensurePrivateRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const stat = await lstat(root);
  const uid = process.getuid?.();
  const problem = !stat.isDirectory()
    ? 'is not a folder'
    : uid !== undefined && stat.uid !== uid
      ? `belongs to uid ${stat.uid}, not ${uid}`
      : (stat.mode & 0o077) !== 0
        ? `is open to other users (mode ${(stat.mode & 0o777).toString(8)})`
        : undefined;
  if (problem) {
    throw new BottleError('STATE_INVALID', `the secrets folder ${root} ${problem}`, {
      hint: `remove it, or point CLAUDE_BOTTLE_RUNTIME_DIR at a folder only you can read (chmod 700)`,
    });
  }
}
