import {
  CODEX_LOGIN_SECRET,
  credentialOf,
  providerOf,
  type LoadedBottle,
  type SecretValues,
} from '../manifest/index.js';
import { claudeSignIn } from './claude-token.js';
import { readCodexLogin, type CodexLoginDeps } from './codex-login.js';
import {
  declaredSignIn,
  planProviderRoute,
  type ProviderRoutePlan,
  type SignIn,
} from './provider-route.js';

/** A bottle's provider credential, made ready at start (or resume): nothing here is logged. */
export interface ResolvedCredential {
  signIn: SignIn;
  route: ProviderRoutePlan;
  /** Values the proxy needs beyond the bottle's `secrets:` (a login's access token). */
  proxySecrets: ReadonlyMap<string, string>;
  /** The agent's placeholder `auth.json` for a Codex ChatGPT login. */
  codexAuthJson?: string;
  /** For progress lines and doctor: the kind and where it came from, never a value. */
  summary: string;
}

export type ResolveCredentialDeps = CodexLoginDeps;

/**
 * Reads the credential a bottle's provider signs in with: a secret's kind from its value, a
 * login from its file (refreshed on the host first when it is near expiry). Undefined when the
 * bottle sets no auth_token (its routes are hand-written, or it needs none).
 */
export async function resolveProviderCredential(
  bottle: LoadedBottle,
  secrets: SecretValues,
  deps: ResolveCredentialDeps,
): Promise<ResolvedCredential | undefined> {
  const credential = credentialOf(bottle);
  const provider = providerOf(bottle);
  if (!credential || provider.name === 'none') return undefined;
  if (credential.source === 'codex-login') {
    const login = await readCodexLogin(bottle, credential.path, deps);
    return {
      signIn: 'chatgpt',
      route: planProviderRoute(bottle, 'chatgpt'),
      proxySecrets: new Map([[CODEX_LOGIN_SECRET, login.accessToken]]),
      codexAuthJson: login.placeholderAuthJson,
      summary: `ChatGPT login from ${login.file} (${login.expiry})`,
    };
  }
  // resolveSecrets already refused a missing or empty value.
  const value = secrets.get(credential.secret) ?? '';
  const signIn =
    provider.name === 'claude'
      ? claudeSignIn(value, credential.kind, credential.secret)
      : 'api_key';
  return {
    signIn,
    route: planProviderRoute(bottle, signIn),
    proxySecrets: new Map(),
    summary: `${SIGN_IN_NAMES[signIn]} from secret "${credential.secret}"`,
  };
}

/** What --dry-run plans with: the declared kind, since no value is read. */
export function plannedCredential(bottle: LoadedBottle): ResolvedCredential | undefined {
  const credential = credentialOf(bottle);
  if (!credential || providerOf(bottle).name === 'none') return undefined;
  const signIn = declaredSignIn(credential);
  return {
    signIn,
    route: planProviderRoute(bottle, signIn),
    proxySecrets: new Map(),
    summary: `${SIGN_IN_NAMES[signIn]} (planned; a bare secret's kind is told from its value at start)`,
  };
}

export const SIGN_IN_NAMES: Record<SignIn, string> = {
  api_key: 'API key',
  oauth: 'subscription token',
  bearer: 'bearer token',
  chatgpt: 'ChatGPT login',
};

/** The bottle's secrets plus what the credential adds: everything the proxy is handed. */
export function proxySecretValues(
  secrets: SecretValues,
  credential: ResolvedCredential | undefined,
): SecretValues {
  return new Map([...secrets, ...(credential?.proxySecrets ?? [])]);
}

export function describeSignIn(signIn: SignIn | null): string {
  return signIn === null ? 'no auth_token (hand-written routes)' : `a ${SIGN_IN_NAMES[signIn]}`;
}
