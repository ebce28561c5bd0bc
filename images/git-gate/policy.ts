import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import { BottleError } from '../../lib/errors.js';

/**
 * `live-config/git-policy.json`: the remotes the gate serves and what the agent may push to
 * them. The one home of this format: the launcher writes it, the gate enforces it, the agent
 * reads it (the folder is mounted read-only into the agent too).
 */
export const REMOTE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const SCP_LIKE_PATTERN = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)\S+$/;
const HOSTNAME_PATTERN =
  /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const BRANCH_PATTERN = /^(?!\/)(?!refs\/)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/*-]+(?<!\/)$/;

function isUpstreamUrl(url: string): boolean {
  if (SCP_LIKE_PATTERN.test(url)) return true;
  try {
    const parsed = new URL(url);
    if (parsed.hostname === '' || parsed.password !== '') return false;
    // A token belongs in the gate's secrets folder (`credential`), never in the URL the agent can read.
    if (parsed.protocol === 'https:') return parsed.username === '';
    return parsed.protocol === 'ssh:';
  } catch {
    return false;
  }
}

export const PushPolicySchema = z.strictObject({
  branches: z
    .array(
      z.string().regex(BRANCH_PATTERN, {
        message:
          'must be a branch name pattern relative to refs/heads/, like "feature/*" (no "refs/", no "..")',
      }),
    )
    .min(1)
    .optional(),
  force: z.boolean().default(false),
  delete: z.boolean().default(false),
  tags: z.boolean().default(false),
  ci_paths: z.boolean().default(false),
});

/*
 * The validators of one remote, shared with the launcher's manifest schema (launcher/manifest/
 * schema.ts derives its remote from GitRemoteSchema), so `manifest check` refuses exactly what
 * the gate would refuse at start. Messages are written for the manifest's author.
 */
export const RemoteNameSchema = z.string().regex(REMOTE_NAME_PATTERN, {
  message:
    'a remote name is lower-case letters, digits, ".", "_" or "-", starting with a letter or digit → e.g. origin',
});

export const UpstreamUrlSchema = z.string().refine(isUpstreamUrl, {
  message:
    'url must be ssh://…, user@host:path or https://… with no credentials in it → remove "user:password@" or the token, declare it in secrets: and name it in identity',
});

export const ExtraHostsSchema = z
  .record(
    z.string().regex(HOSTNAME_PATTERN, {
      message: 'an extra_hosts key is a host name → e.g. git.internal: 10.0.0.5',
    }),
    z.string().refine((ip) => isIP(ip) !== 0, {
      message:
        'an extra_hosts value is an IPv4 or IPv6 address, not a name → e.g. git.internal: 10.0.0.5',
    }),
  )
  .default({});

export const GitRemoteSchema = z.strictObject({
  name: RemoteNameSchema,
  url: UpstreamUrlSchema,
  /** The file in the gate's secrets folder (--secrets-dir) holding the SSH key or HTTPS token. */
  credential: z
    .string()
    .regex(REMOTE_NAME_PATTERN, {
      message:
        "must be a file name in the gate's secrets folder (the launcher uses the remote name)",
    })
    .optional(),
  known_hosts: z.string().min(1).max(65_536).optional(),
  extra_hosts: ExtraHostsSchema,
  push: PushPolicySchema.prefault({}),
});

export const GitPolicySchema = z
  .strictObject({
    v: z.literal(1),
    remotes: z.array(GitRemoteSchema),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.remotes.forEach((remote, index) => {
      if (seen.has(remote.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['remotes', index, 'name'],
          message: `remote name "${remote.name}" is used twice; names must be unique`,
        });
      }
      seen.add(remote.name);
    });
  });

export type GitPolicy = z.output<typeof GitPolicySchema>;
export type GitRemote = GitPolicy['remotes'][number];
export type PushPolicy = GitRemote['push'];

/** The URL the agent's `insteadOf` rewrite points at for a remote (compose service `git-gate`). */
export function gateUrlFor(remoteName: string): string {
  if (!REMOTE_NAME_PATTERN.test(remoteName)) {
    throw new BottleError('INPUT_INVALID', `"${remoteName}" is not a valid git remote name`, {
      hint: 'use lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
  return `git://git-gate/${remoteName}.git`;
}

/** Parses git-policy.json text; `source` names the file in error messages. */
export function parseGitPolicy(text: string, source: string): GitPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BottleError('CONFIG_INVALID', `${source}: not valid JSON`, {
      hint: 'the launcher writes this file from the bottle manifest; restart the bottle to regenerate it',
      cause: error,
    });
  }
  const result = GitPolicySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${source} ${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('\n');
    throw new BottleError('CONFIG_INVALID', issues, {
      hint: 'fix git.remotes in the bottle manifest and restart the bottle',
    });
  }
  return result.data;
}

/** Reads and validates git-policy.json; a missing or invalid file is an error (fail closed). */
export async function loadGitPolicy(file: string): Promise<GitPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BottleError('CONFIG_INVALID', `${file}: cannot read the git policy`, {
      hint: "mount live-config/ (with git-policy.json) read-only at the gate's config folder",
      cause: error,
    });
  }
  return parseGitPolicy(text, file);
}

export function findRemote(policy: GitPolicy, name: string): GitRemote | undefined {
  return policy.remotes.find((remote) => remote.name === name);
}
