import { z } from 'zod';
import { didYouMean } from '../../lib/did-you-mean.js';
import { SecretNameSchema } from '../../images/egress-proxy/routes/schema.js';

/**
 * A bottle's `auth_token`: how its provider CLI signs in. Three forms, one normalized result
 * (read it through credentialOf(), never the field):
 *   auth_token: anthropic                              a secret; its kind told by its value at start
 *   auth_token: {secret: claude, kind: oauth}          a secret of a stated kind
 *   auth_token: {from: codex-login, path: ~/.codex/auth.json}   the host's Codex ChatGPT login
 * Whatever the form, the agent holds a placeholder and the proxy injects the real value.
 */

/**
 * What a secret is: `api_key` (Anthropic `x-api-key`, OpenAI `Authorization: Bearer`), `oauth`
 * (a Claude subscription token from `claude setup-token`, sent as a bearer) or `bearer` (any
 * other bearer token, e.g. a gateway's, which Claude Code sends from ANTHROPIC_AUTH_TOKEN).
 */
export const CREDENTIAL_KINDS = ['api_key', 'oauth', 'bearer'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The only login source today; a name, so another (e.g. a Claude credentials file) can join. */
export const LOGIN_SOURCES = ['codex-login'] as const;

/**
 * The secret name the proxy knows the login's access token by. Not declarable in `secrets:`:
 * the value comes from the login file, and a declared one would shadow it.
 */
export const CODEX_LOGIN_SECRET = 'codex-login';

export type ProviderCredential =
  | { source: 'secret'; secret: string; kind?: CredentialKind }
  | { source: 'codex-login'; path?: string };

const SecretForm = z.strictObject({
  secret: SecretNameSchema,
  kind: z
    .enum(CREDENTIAL_KINDS, {
      message: `kind is one of ${CREDENTIAL_KINDS.join(', ')} (omit it to tell from the value at start)`,
    })
    .optional(),
});

const LoginForm = z.strictObject({
  from: z.enum(LOGIN_SOURCES, {
    message: `from names a sign-in on the host: ${LOGIN_SOURCES.join(', ')}`,
  }),
  path: z
    .string()
    .min(1, 'path is the login file, e.g. ~/.codex/auth.json (omit it for the default)')
    .refine((path) => !path.includes('\0'), 'path holds a NUL byte')
    .optional(),
});

const KEYS = { secret: ['secret', 'kind'], from: ['from', 'path'] } as const;
const ALL_KEYS = [...KEYS.secret, ...KEYS.from];
const SHAPE =
  'auth_token is a secret name, {secret, kind}, or {from: codex-login} → e.g. auth_token: anthropic';

type Issue = { path: (string | number)[]; message: string };

export type AuthTokenField = string | z.output<typeof SecretForm> | z.output<typeof LoginForm>;

/**
 * Dispatches on the form (like agent_provider) so a wrong key of the long form is named with a
 * did-you-mean instead of a union's bare "invalid input".
 */
export const AuthTokenSchema = z.unknown().transform((value, ctx): AuthTokenField => {
  const fail = (issues: Issue[]): never => {
    for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
    return z.NEVER;
  };
  if (typeof value === 'string') {
    const name = SecretNameSchema.safeParse(value);
    return name.success ? name.data : fail([{ path: [], message: name.error.issues[0]!.message }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail([{ path: [], message: SHAPE }]);
  const keys = Object.keys(value);
  const form = 'from' in value ? 'from' : 'secret' in value ? 'secret' : undefined;
  const issues: Issue[] = [];
  for (const key of keys) {
    if (form && (KEYS[form] as readonly string[]).includes(key)) continue;
    const misplaced = (ALL_KEYS as readonly string[]).includes(key);
    const guess = didYouMean(key, form ? KEYS[form] : ALL_KEYS);
    issues.push({
      path: [key],
      message: misplaced
        ? `"${key}" does not go with "${form}" → {secret, kind} names a secret, {from, path} a login file`
        : `unknown key "${key}" → ${guess ? `did you mean "${guess}"?` : SHAPE}`,
    });
  }
  if (!form) return fail(issues.length > 0 ? issues : [{ path: [], message: SHAPE }]);
  const parsed = (form === 'from' ? LoginForm : SecretForm).safeParse(
    Object.fromEntries(
      keys
        .filter((k) => (KEYS[form] as readonly string[]).includes(k))
        .map((k) => [k, (value as Record<string, unknown>)[k]]),
    ),
  );
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      issues.push({
        path: issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
        message: issue.message,
      });
  return issues.length === 0 && parsed.success ? parsed.data : fail(issues);
});

/** The normalized credential of a bottle, whichever form its manifest used; none when unset. */
export function credentialOf(bottle: {
  config: { auth_token?: AuthTokenField };
}): ProviderCredential | undefined {
  const field = bottle.config.auth_token;
  if (field === undefined) return undefined;
  if (typeof field === 'string') return { source: 'secret', secret: field };
  if ('from' in field)
    return { source: field.from, ...(field.path !== undefined ? { path: field.path } : {}) };
  return { source: 'secret', secret: field.secret, ...(field.kind ? { kind: field.kind } : {}) };
}

/** The secret a credential is resolved from, for reference checks and the proxy's environment. */
export function credentialSecretName(credential: ProviderCredential): string {
  return credential.source === 'secret' ? credential.secret : CODEX_LOGIN_SECRET;
}
