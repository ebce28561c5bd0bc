import { randomBytes } from 'node:crypto';
import { copyFile, lchown, mkdir, readFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { LIVE_CONFIG_FILES } from '../../lib/live-config.js';
import { createCa } from '../../images/egress-proxy/ca.js';
import {
  claudeCodeMcpConfig,
  codexConfigToml,
  type CodexConfigOptions,
} from '../../mcp/host-config.js';
import { CODEX_AUTH_FILE } from '../credentials/codex-login.js';
import {
  chatgptBackendPath,
  providerEndpoint,
  type SignIn,
} from '../credentials/provider-route.js';
import type { ResolvedCredential } from '../credentials/resolve.js';
import { gateUrlFor } from '../../images/git-gate/policy.js';
import { expandPath, providerOf, type Selection } from '../manifest/index.js';
import type { StateLayout } from './layout.js';
import {
  DEFAULT_AGENT_DOCKERFILE,
  gitPolicy,
  liveConfigReadme,
  routesYaml,
} from './live-config.js';
import { join } from 'node:path';

export const SUPERVISE_URL = 'http://supervise:8080/mcp';
export const MCP_TOKEN_ENV = 'CLAUDE_BOTTLE_MCP_TOKEN';
/** The variable Codex reads its API key from; the agent's value is only a placeholder. */
export const CODEX_API_KEY_ENV = 'OPENAI_API_KEY';

export interface PrepareOptions {
  selection: Selection;
  layout: StateLayout;
  env: NodeJS.ProcessEnv;
  /** A local repository whose committed history seeds the workspace. */
  repoPath?: string;
  /** The provider's sign-in, resolved (or planned, for --dry-run). */
  credential?: ResolvedCredential;
}

/**
 * Writes everything a fresh bottle needs under state/<slug>/ except the compose file:
 * live-config/, the CA, the queue folders, the agent's MCP and git configuration, and the
 * workspace seed. No secret value is written anywhere. Returns the bearer token it made for
 * the agent and the supervise sidecar.
 */
export async function prepareState(options: PrepareOptions): Promise<{ mcpToken: string }> {
  const { layout, selection } = options;
  const { bottle, agent } = selection;
  for (const dir of [
    layout.transcript,
    layout.liveConfig,
    layout.findings,
    layout.deniedDir,
    layout.queue.pending('agent'),
    layout.queue.pending('egress-proxy'),
    layout.queue.decided,
    layout.queue.archive,
    layout.audit,
    layout.supervise,
    layout.agent,
  ]) {
    await mkdir(dir, { recursive: true });
  }
  const live = (name: keyof typeof LIVE_CONFIG_FILES) =>
    join(layout.liveConfig, LIVE_CONFIG_FILES[name]);
  await writeFileAtomic(live('routes'), routesYaml(bottle, options.credential?.route));
  await writeFileAtomic(live('dockerfile'), await agentDockerfile(options));
  await writeFileAtomic(
    live('gitleaksAllowlist'),
    '# gitleaks fingerprints the operator allowed (one per line), applied by the supervisor.\n',
  );
  await writeFileAtomic(
    live('gitPolicy'),
    `${JSON.stringify(await gitPolicy(bottle, options.env), null, 2)}\n`,
  );
  await writeFileAtomic(live('readme'), liveConfigReadme(bottle));

  await createCa(layout.caDir);
  if (bottle.config.egress.upstream_ca) {
    const file = expandPath(bottle.config.egress.upstream_ca, bottle, options.env);
    await copyFile(file, layout.upstreamCa).catch((error: unknown) => {
      throw new BottleError('CONFIG_INVALID', `egress.upstream_ca ${file} cannot be read`, {
        hint: `put the PEM file there, or change egress.upstream_ca in ${bottle.file}`,
        cause: error,
      });
    });
  }

  const token = randomBytes(24).toString('hex');
  await writeFileAtomic(layout.mcpToken, `${token}\n`, { mode: 0o600 });
  await writeFileAtomic(
    layout.agentMcpConfig,
    `${JSON.stringify(claudeCodeMcpConfig({ url: SUPERVISE_URL, token }), null, 2)}\n`,
    { mode: 0o644 },
  );
  const provider = providerOf(bottle);
  const codexConfig = codexConfigToml({
    url: SUPERVISE_URL,
    bearerTokenEnvVar: MCP_TOKEN_ENV,
    developerInstructions: agent.prompt,
    ...codexProvider(provider, options.credential?.signIn),
  });
  await writeFileAtomic(layout.agentCodexConfig, codexConfig, { mode: 0o644 });
  if (provider.name === 'codex') {
    // CODEX_HOME is the transcript folder (sessions survive restarts); its config.toml is
    // written once, before the agent ever runs.
    await writeFileAtomic(join(layout.transcript, 'config.toml'), codexConfig, { mode: 0o644 });
    await writeCodexLoginPlaceholder(layout, options.credential);
  }
  await writeFileAtomic(layout.agentPrompt, `${agent.prompt}\n`, { mode: 0o644 });
  await writeFileAtomic(layout.agentGitConfig, agentGitConfig(selection), { mode: 0o644 });
  if (options.repoPath) await seedBundle(options.repoPath, layout.seedBundle);
  return { mcpToken: token };
}

/**
 * The agent's $CODEX_HOME/auth.json for a ChatGPT login: placeholder tokens only. Written at
 * every start and resume, because the real login's expiry (which the placeholders carry) moves
 * when the launcher refreshes it.
 */
export async function writeCodexLoginPlaceholder(
  layout: StateLayout,
  credential: ResolvedCredential | undefined,
): Promise<void> {
  if (credential?.codexAuthJson === undefined) return;
  const file = join(layout.transcript, CODEX_AUTH_FILE);
  await writeFileAtomic(file, credential.codexAuthJson, { mode: 0o600 });
  // On resume a root launcher writes it after state/ was handed to the agent's uid: hand it on.
  const owner = await stat(layout.transcript);
  // lchown: the folder is the agent's, and a symlink it swapped in must not redirect a root chown.
  if (process.getuid?.() === 0) await lchown(file, owner.uid, owner.gid);
}

/** Codex's model provider block: only when it must move (a base_url, or a ChatGPT login). */
function codexProvider(
  provider: ReturnType<typeof providerOf>,
  signIn: SignIn | undefined,
): Pick<CodexConfigOptions, 'modelProvider'> {
  if (provider.name !== 'codex') return {};
  if (signIn === 'chatgpt') {
    const { host, root } = providerEndpoint(provider, 'chatgpt');
    return {
      modelProvider: {
        baseUrl: `https://${host}${root}`,
        chatgptBaseUrl: `https://${host}${chatgptBackendPath(root)}`,
      },
    };
  }
  if (!provider.baseUrl) return {};
  return { modelProvider: { baseUrl: provider.baseUrl, envKey: CODEX_API_KEY_ENV } };
}

async function agentDockerfile(options: PrepareOptions): Promise<string> {
  const { bottle } = options.selection;
  if (!bottle.config.dockerfile) return DEFAULT_AGENT_DOCKERFILE;
  const file = expandPath(bottle.config.dockerfile, bottle, options.env);
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new BottleError(
      'CONFIG_INVALID',
      `bottle ${bottle.name}: dockerfile ${file} cannot be read`,
      {
        hint: `create it, or remove "dockerfile" from ${bottle.file}`,
      },
    );
  }
}

/** The agent's ~/.gitconfig: its identity and each remote's URL rewritten to git-gate. */
function agentGitConfig(selection: Selection): string {
  const lines: string[] = [];
  if (selection.gitUser?.name || selection.gitUser?.email) {
    lines.push('[user]');
    if (selection.gitUser.name) lines.push(`\tname = ${selection.gitUser.name}`);
    if (selection.gitUser.email) lines.push(`\temail = ${selection.gitUser.email}`);
  }
  for (const remote of selection.bottle.config.git.remotes) {
    lines.push(`[url "${gateUrlFor(remote.name)}"]`, `\tinsteadOf = ${remote.url}`);
  }
  lines.push('[safe]', '\tdirectory = /workspace');
  return `${lines.join('\n')}\n`;
}

/** `git bundle --all` holds committed history only: untracked and ignored files never enter. */
async function seedBundle(repo: string, target: string): Promise<void> {
  const result = await execa('git', ['-C', repo, 'bundle', 'create', target, '--all'], {
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new BottleError(
      'CONFIG_INVALID',
      `--repo ${repo}: cannot bundle its history: ${result.stderr.trim().split('\n')[0]}`,
      {
        hint: 'pass a git repository with at least one commit',
      },
    );
  }
}
