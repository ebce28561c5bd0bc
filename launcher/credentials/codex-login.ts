import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { expandPath, type LoadedBottle } from '../manifest/index.js';
import { PLACEHOLDER_TOKEN } from '../plan/placeholder.js';

/**
 * A Codex ChatGPT login (`codex login` on the host writes `~/.codex/auth.json`), made ready
 * for a bottle: the real access token goes to the proxy, the agent gets an auth.json whose
 * tokens are placeholders with the same claims and expiry (measured on Codex 0.171.0: it
 * reads `email` and the `https://api.openai.com/auth` claims of the id_token, only `exp` of
 * the access token, never a signature, and sends `tokens.account_id` as chatgpt-account-id).
 * The refresh token never leaves the host: the launcher refreshes, the agent cannot.
 */

/** The file name Codex keeps its login in, under $CODEX_HOME. */
export const CODEX_AUTH_FILE = 'auth.json';

/** OpenAI's token endpoint and Codex's public client id (what `codex` itself refreshes with). */
export const CODEX_TOKEN_URL = 'https://auth.openai.com/oauth/token';
const CODEX_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

/** For tests and corporate set-ups: where the launcher refreshes a login instead. */
export const CODEX_TOKEN_URL_ENV = 'CLAUDE_BOTTLE_CODEX_TOKEN_URL';

/**
 * A login with less than this left is refreshed at start: access tokens live about ten days,
 * so a bottle started on one gets at least half a day before `resume` must refresh again.
 */
export const REFRESH_MARGIN_MS = 12 * 3600_000;

const AUTH_CLAIMS = 'https://api.openai.com/auth';

const AuthFileSchema = z.looseObject({
  auth_mode: z.string().nullable().optional(),
  tokens: z.looseObject({
    id_token: z.string().min(1),
    access_token: z.string().min(1),
    refresh_token: z.string().min(1),
    account_id: z.string().nullable().optional(),
  }),
  last_refresh: z.string().nullable().optional(),
});
type AuthFile = z.output<typeof AuthFileSchema>;

const RefreshResponseSchema = z.looseObject({
  id_token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
});

export interface CodexLoginDeps {
  env: NodeJS.ProcessEnv;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface CodexLogin {
  file: string;
  /** The real access token: for the proxy only. */
  accessToken: string;
  /** The agent's auth.json text: placeholders only. */
  placeholderAuthJson: string;
  /** "expires in 9d 23h" or "refreshed, expires in …": for progress lines, no value. */
  expiry: string;
}

/** Where the host's login is: the manifest's path, else $CODEX_HOME/auth.json, else ~/.codex. */
export function codexLoginFile(
  bottle: LoadedBottle,
  path: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (path !== undefined) return expandPath(path, bottle, env);
  if (env.CODEX_HOME) return `${env.CODEX_HOME.replace(/\/+$/, '')}/${CODEX_AUTH_FILE}`;
  return expandPath(`~/.codex/${CODEX_AUTH_FILE}`, bottle, env);
}

export async function readCodexLogin(
  bottle: LoadedBottle,
  path: string | undefined,
  deps: CodexLoginDeps,
): Promise<CodexLogin> {
  const now = deps.now ?? Date.now;
  const file = codexLoginFile(bottle, path, deps.env);
  const signInAgain = `sign in again on the host: codex login${path === undefined ? '' : ` (with CODEX_HOME set so it writes ${file})`}`;
  let auth = await loadAuthFile(file, signInAgain);
  let expiresAt = expiryOf(auth.tokens.access_token, file, signInAgain);
  let refreshed = false;
  if (expiresAt - now() < REFRESH_MARGIN_MS) {
    auth = await refreshLogin(auth, file, signInAgain, deps);
    expiresAt = expiryOf(auth.tokens.access_token, file, signInAgain);
    if (expiresAt <= now())
      throw new BottleError(
        'CREDENTIAL_INVALID',
        `the refreshed Codex login in ${file} is already expired`,
        {
          hint: signInAgain,
        },
      );
    refreshed = true;
  }
  return {
    file,
    accessToken: auth.tokens.access_token,
    placeholderAuthJson: placeholderAuthJson(auth, file, signInAgain),
    expiry: `${refreshed ? 'refreshed, ' : ''}expires in ${formatDuration(expiresAt - now())}`,
  };
}

async function loadAuthFile(file: string, signInAgain: string): Promise<AuthFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new BottleError('SECRET_MISSING', `no Codex login at ${file}`, {
      hint: `${signInAgain}, or point auth_token.path at the auth.json it writes`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BottleError('CREDENTIAL_INVALID', `${file} is not JSON`, { hint: signInAgain });
  }
  const parsed = AuthFileSchema.safeParse(json);
  if (!parsed.success) {
    // The API-key form of auth.json has no tokens: say which auth_token fits it.
    const apiKeyOnly =
      typeof json === 'object' && json !== null && 'OPENAI_API_KEY' in json && !('tokens' in json);
    throw new BottleError(
      'CREDENTIAL_INVALID',
      apiKeyOnly
        ? `${file} holds an API key, not a ChatGPT login`
        : `${file} is not a ChatGPT login (no tokens.id_token, access_token and refresh_token)`,
      {
        hint: apiKeyOnly
          ? 'declare the key as a secret (secrets: {openai: env:OPENAI_API_KEY}) and write auth_token: openai'
          : signInAgain,
      },
    );
  }
  return parsed.data;
}

/** A JWT's payload, unverified (Codex does not verify it either); undefined if not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function expiryOf(accessToken: string, file: string, signInAgain: string): number {
  const exp = jwtClaims(accessToken)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    throw new BottleError(
      'CREDENTIAL_INVALID',
      `the access token in ${file} is not a JWT with an expiry, so its lifetime cannot be told`,
      { hint: signInAgain },
    );
  return exp * 1000;
}

/**
 * Refreshes on the host and writes the new tokens back to the host's file: OpenAI rotates
 * refresh tokens, so keeping the old file would sign the host's own Codex out.
 */
async function refreshLogin(
  auth: AuthFile,
  file: string,
  signInAgain: string,
  deps: CodexLoginDeps,
): Promise<AuthFile> {
  const url = deps.env[CODEX_TOKEN_URL_ENV] || CODEX_TOKEN_URL;
  const fail = (why: string): never => {
    throw new BottleError(
      'CREDENTIAL_INVALID',
      `the Codex login in ${file} expires within ${formatDuration(REFRESH_MARGIN_MS)} and refreshing it at ${url} failed: ${why}`,
      { hint: signInAgain },
    );
  };
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: CODEX_CLIENT_ID,
        grant_type: 'refresh_token',
        refresh_token: auth.tokens.refresh_token,
      }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  // The body of a refusal is not shown: it is the identity provider's, and could echo a token.
  if (!response.ok) return fail(`HTTP ${response.status}`);
  const parsed = RefreshResponseSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success || !parsed.data.access_token) return fail('the answer held no access_token');
  const next: AuthFile = {
    ...auth,
    tokens: { ...auth.tokens, ...parsed.data },
    last_refresh: new Date((deps.now ?? Date.now)()).toISOString(),
  };
  await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  return next;
}

const PLACEHOLDER_JWT_HEADER = Buffer.from(
  JSON.stringify({ alg: 'none', typ: 'JWT', claude_bottle: 'placeholder' }),
).toString('base64url');
const PLACEHOLDER_JWT_SIGNATURE = Buffer.from(PLACEHOLDER_TOKEN).toString('base64url');

/** A JWT-shaped placeholder carrying only the claims named, copied from the real token. */
function placeholderJwt(claims: Record<string, unknown>): string {
  return `${PLACEHOLDER_JWT_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${PLACEHOLDER_JWT_SIGNATURE}`;
}

function pick(claims: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in claims).map((key) => [key, claims[key]]));
}

function placeholderAuthJson(auth: AuthFile, file: string, signInAgain: string): string {
  const id = jwtClaims(auth.tokens.id_token);
  const access = jwtClaims(auth.tokens.access_token) ?? {};
  if (!id)
    throw new BottleError('CREDENTIAL_INVALID', `the id_token in ${file} is not a JWT`, {
      hint: signInAgain,
    });
  // Identity claims only: what the CLI shows and routes by, never a token.
  const identity = (claims: Record<string, unknown>): Record<string, unknown> => ({
    ...pick(claims, ['email', 'iat', 'exp']),
    ...(typeof claims[AUTH_CLAIMS] === 'object' && claims[AUTH_CLAIMS] !== null
      ? {
          [AUTH_CLAIMS]: pick(claims[AUTH_CLAIMS] as Record<string, unknown>, [
            'chatgpt_account_id',
            'chatgpt_plan_type',
            'chatgpt_user_id',
            'user_id',
          ]),
        }
      : {}),
  });
  const agentAuth = {
    auth_mode: auth.auth_mode ?? 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: {
      id_token: placeholderJwt(identity(id)),
      access_token: placeholderJwt({ ...identity(access), exp: access.exp }),
      refresh_token: PLACEHOLDER_TOKEN,
      account_id: auth.tokens.account_id ?? null,
    },
    last_refresh: auth.last_refresh ?? new Date().toISOString(),
  };
  return `${JSON.stringify(agentAuth, null, 2)}\n`;
}

function formatDuration(ms: number): string {
  if (ms <= 0) return 'no time (expired)';
  const hours = Math.floor(ms / 3600_000);
  if (hours >= 24) return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  return hours > 0
    ? `${hours}h ${Math.floor((ms % 3600_000) / 60_000)}m`
    : `${Math.ceil(ms / 60_000)}m`;
}
