import { z } from 'zod';
import { RouteSchema, SecretNameSchema } from '../../images/egress-proxy/routes/schema.js';
import { GitRemoteSchema } from '../../images/git-gate/policy.js';
import { AgentProviderSchema } from './agent-provider.js';
import { AuthTokenSchema, CODEX_LOGIN_SECRET } from './auth-token.js';
import { SecretSourceSchema } from './secret-source.js';

/**
 * Bottle and agent manifests: the one home of their front-matter format. docs/manifest.md
 * documents it; types are inferred from these schemas.
 */

/** Old or misplaced shapes that must fail with a pointer to the right one, not a bare "unknown key". */
const STALE_TOP_LEVEL_KEYS: Record<string, string> = {
  base_url:
    '"base_url" belongs to the provider → agent_provider: {name: claude, base_url: https://llm.corp.example}',
  ssh: '"ssh:" is an old shape → use "git:" (git.remotes[] with name, url, identity)',
  cred_proxy:
    '"cred_proxy" is an old shape → use "egress.routes" (routes with auth: {header, scheme, secret})',
  tokens:
    '"tokens" is an old shape → declare each value once in "secrets:" and inject it with an "egress.routes" auth',
};

function rejectStaleKeys(keys: Record<string, string>) {
  return z.looseObject({}).superRefine((value, ctx) => {
    for (const [key, message] of Object.entries(keys)) {
      if (key in value) ctx.addIssue({ code: 'custom', path: [key], message });
    }
  });
}

export const GitUserSchema = z.strictObject({
  name: z.string().min(1, 'git.user.name is empty'),
  email: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'git.user.email must look like an email address'),
});

/**
 * A manifest remote is the gate's remote (git-policy.json) with the two fields the launcher
 * resolves at start swapped for their manifest forms: `identity` names a secret (the gate gets
 * it as a file named in `credential`) and `known_hosts` names a file (the gate gets its text). Deriving it
 * means a URL or extra_hosts the gate would refuse never passes `manifest check`.
 */
export const RemoteSchema = GitRemoteSchema.omit({
  credential: true,
  known_hosts: true,
}).extend({
  identity: SecretNameSchema.optional(),
  known_hosts: z
    .string()
    .regex(/^file:.+/, 'known_hosts is file:PATH (a known_hosts file on the host)')
    .optional(),
});

const GitFields = z.strictObject({
  user: GitUserSchema.optional(),
  remotes: z.array(RemoteSchema).default([]),
});

const GitSchema = GitFields.superRefine((git, ctx) => {
  const seen = new Map<string, number>();
  git.remotes.forEach((remote, index) => {
    const first = seen.get(remote.name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['remotes', index, 'name'],
        message: `remote "${remote.name}" is declared twice (also remotes[${first}]) → give each remote its own name`,
      });
    } else seen.set(remote.name, index);
  });
});

const BottleFields = z.strictObject({
  description: z.string().optional(),
  /** `claude` or `{name, base_url, version}`: read it through providerOf(), never directly. */
  agent_provider: AgentProviderSchema.default('claude'),
  /**
   * How the provider CLI signs in, injected by the proxy, never given to the agent: read it
   * through credentialOf(), never directly.
   */
  auth_token: AuthTokenSchema.optional(),
  /** A Dockerfile for the agent image, relative to the bottle file (or absolute). */
  dockerfile: z.string().min(1).optional(),
  secrets: z.record(SecretNameSchema, SecretSourceSchema).default({}),
  egress: z
    .strictObject({
      routes: z
        .array(
          RouteSchema.refine((route) => route.grant === undefined, {
            path: ['grant'],
            message:
              'grant is made by an operator’s time-boxed approval in a running bottle, never in a manifest → remove it (a manifest route lasts)',
          }),
        )
        .default([]),
      /** PEM file of extra CAs the proxy trusts for upstreams (a corporate or test CA). */
      upstream_ca: z.string().min(1).optional(),
    })
    .prefault({}),
  git: GitSchema.prefault({}),
  supervise: z
    .strictObject({
      enabled: z.boolean().default(true),
      token_allow_timeout_seconds: z.number().int().min(1).max(86_400).default(300),
    })
    .prefault({}),
  limits: z
    .strictObject({
      memory: z
        .string()
        .regex(/^\d+[kmg]$/i, 'memory is a size such as 4g or 512m')
        .default('4g'),
      pids: z.number().int().min(64).max(65_536).default(1024),
    })
    .prefault({}),
});

/** auth_token against agent_provider: each provider signs in its own ways. */
const BottleWithCredential = BottleFields.superRefine((bottle, ctx) => {
  const token = bottle.auth_token;
  if (token === undefined) return;
  const provider =
    typeof bottle.agent_provider === 'string' ? bottle.agent_provider : bottle.agent_provider.name;
  const fail = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['auth_token', ...path], message });
  if (provider === 'none')
    return fail(
      [],
      'provider none runs no CLI, so auth_token means nothing → remove it, or name claude or codex',
    );
  if (typeof token === 'string') return;
  if ('from' in token) {
    if (provider !== 'codex')
      fail(
        ['from'],
        "codex-login is the Codex CLI's ChatGPT sign-in → for Claude give a secret: auth_token: {secret: claude, kind: oauth} (from `claude setup-token`)",
      );
    if (CODEX_LOGIN_SECRET in bottle.secrets)
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', CODEX_LOGIN_SECRET],
        message: `"${CODEX_LOGIN_SECRET}" is the name the login's access token goes by → give this secret another name`,
      });
    return;
  }
  if (provider === 'codex' && token.kind !== undefined && token.kind !== 'api_key')
    fail(
      ['kind'],
      `Codex takes an OpenAI API key (kind: api_key) or a ChatGPT login (auth_token: {from: codex-login}), not kind ${token.kind}`,
    );
});

export const BottleSchema = rejectStaleKeys(STALE_TOP_LEVEL_KEYS).pipe(BottleWithCredential);
export type Bottle = z.output<typeof BottleSchema>;
export type Remote = z.output<typeof RemoteSchema>;
export type GitUser = z.output<typeof GitUserSchema>;

const AgentCommon = {
  description: z.string().optional(),
  model: z
    .string()
    .regex(
      /^[A-Za-z0-9._:/@[\]-]+$/,
      'model is a model name such as claude-sonnet-4-5 (letters, digits, . _ : / @ [ ] -)',
    )
    .optional(),
  tools: z.array(z.string().min(1)).optional(),
};

/** A home agent: trusted as much as the operator's own bottles. */
export const HomeAgentSchema = rejectStaleKeys(STALE_TOP_LEVEL_KEYS).pipe(
  z.strictObject({
    ...AgentCommon,
    /** The bottle `start` uses when --bottle is not given. */
    bottle: z.string().min(1).optional(),
    /** Overlays the bottle's git.user: the agent claims an identity, the bottle does not vouch. */
    git: z.strictObject({ user: GitUserSchema.partial() }).optional(),
  }),
);

/** Fields an agent from the working directory (an untrusted repository) may never set. */
const CWD_FORBIDDEN: Record<string, string> = {
  bottle: 'the bottle is chosen by the operator (--bottle or a home agent)',
  secrets: 'secrets are declared only in a bottle under $CLAUDE_BOTTLE_HOME',
  egress: 'routes are declared only in a bottle under $CLAUDE_BOTTLE_HOME',
  routes: 'routes are declared only in a bottle under $CLAUDE_BOTTLE_HOME',
  git: 'git remotes and identities are declared only in $CLAUDE_BOTTLE_HOME',
  remotes: 'git remotes are declared only in a bottle under $CLAUDE_BOTTLE_HOME',
};

/** An agent from `$CWD/.claude-bottle/agents/`: a repository may set prompt, model and tools only. */
export const CwdAgentSchema = z
  .looseObject({})
  .superRefine((value, ctx) => {
    for (const [key, why] of Object.entries(CWD_FORBIDDEN)) {
      if (key in value) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `an agent from the working directory may not set "${key}": ${why} → remove it, or move the agent to $CLAUDE_BOTTLE_HOME/agents/`,
        });
      }
    }
  })
  .pipe(z.strictObject(AgentCommon));

export type HomeAgentFields = z.output<typeof HomeAgentSchema>;
export type CwdAgentFields = z.output<typeof CwdAgentSchema>;

/** Bottle and agent names come from file names: `dev.md` is the bottle `dev`. */
export const MANIFEST_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
