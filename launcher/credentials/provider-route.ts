import type { Route } from '../../images/egress-proxy/routes/schema.js';
import type { AgentProvider, LoadedBottle, ProviderCredential } from '../manifest/index.js';
import { credentialSecretName, providerOf, credentialOf } from '../manifest/index.js';

/**
 * The route the launcher adds for a bottle's provider when `auth_token` is set: the CLI's API
 * host (or its `base_url` host), the paths the CLI calls there, and the header its kind of
 * credential travels in. The proxy injects the value; the agent holds a placeholder.
 */

/** How the credential reaches the provider: decides the header and the agent's placeholder. */
export const SIGN_INS = ['api_key', 'oauth', 'bearer', 'chatgpt'] as const;
export type SignIn = (typeof SIGN_INS)[number];

interface Endpoint {
  host: string;
  /** The API root the CLI appends its paths to ('' for a host's root). */
  root: string;
}

/** Where each CLI talks when no base_url is given, per sign-in (measured on the real CLIs). */
const VENDOR: Record<'claude' | 'codex', Partial<Record<SignIn, Endpoint>>> = {
  // Claude Code appends /v1/messages (and /v1/messages/count_tokens) to its base URL.
  claude: {
    api_key: { host: 'api.anthropic.com', root: '' },
    oauth: { host: 'api.anthropic.com', root: '' },
    bearer: { host: 'api.anthropic.com', root: '' },
  },
  // Codex appends /responses (and /models) to its provider's base_url.
  codex: {
    api_key: { host: 'api.openai.com', root: '/v1' },
    chatgpt: { host: 'chatgpt.com', root: '/backend-api/codex' },
  },
};

export function providerEndpoint(provider: AgentProvider, signIn: SignIn): Endpoint {
  if (provider.baseUrl) {
    const url = new URL(provider.baseUrl);
    return { host: url.host.toLowerCase(), root: url.pathname.replace(/\/+$/, '') };
  }
  if (provider.name === 'none') throw new Error('provider none has no endpoint');
  const endpoint = VENDOR[provider.name][signIn];
  if (!endpoint) throw new Error(`provider ${provider.name} has no ${signIn} sign-in`);
  return endpoint;
}

/**
 * The ChatGPT backend's root for a Codex endpoint: the parent of its `/codex` root
 * (`/backend-api/codex` → `/backend-api/`), where Codex checks the account at `wham/…`.
 */
export function chatgptBackendPath(root: string): string {
  return `${root.endsWith('/codex') ? root.slice(0, -'/codex'.length) : root}/`;
}

/** The sign-in a credential stands for before its value is read (a bare secret: an API key). */
export function declaredSignIn(credential: ProviderCredential): SignIn {
  if (credential.source === 'codex-login') return 'chatgpt';
  return credential.kind ?? 'api_key';
}

export function providerRoute(
  provider: AgentProvider,
  credential: ProviderCredential,
  signIn: SignIn,
): Route {
  const { host, root } = providerEndpoint(provider, signIn);
  const secret = credentialSecretName(credential);
  const paths =
    provider.name === 'claude'
      ? [`${root}/v1/`]
      : signIn === 'chatgpt'
        ? [`${root}/`, `${chatgptBackendPath(root)}wham/`]
        : [`${root}/`];
  return {
    host,
    paths,
    methods: ['GET', 'POST'],
    auth:
      signIn === 'api_key' && provider.name === 'claude'
        ? { header: 'x-api-key', secret }
        : { header: 'Authorization', scheme: 'Bearer', secret },
    dlp: true,
    // An operator-named gateway is often on a private network (and the scripted model in tests
    // always is); a vendor host never is.
    private: provider.baseUrl !== undefined,
    tls: 'intercept',
  };
}

/** Whether a route's host pattern covers a host (`*.example.com` covers its subdomains). */
function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const [name, port] = splitPort(host);
  const [suffix, patternPort] = splitPort(pattern.slice(1));
  return port === patternPort && name.endsWith(suffix) && name.length > suffix.length;
}

function splitPort(host: string): [string, string] {
  const match = /^(.*?)(?::(\d+))?$/.exec(host)!;
  return [match[1]!, match[2] ?? ''];
}

export type ProviderRoutePlan =
  | { kind: 'none' }
  | {
      kind: 'added';
      route: Route;
      signIn: SignIn;
      /** A bare Claude secret: its kind (and so the header) is told from the value at start. */
      toldAtStart: boolean;
    }
  | { kind: 'hand-written'; index: number; route: Route; host: string; signIn: SignIn };

/**
 * Which route carries the provider's requests: a hand-written route for the same host wins
 * (the operator said something on purpose); otherwise the launcher's own, appended after
 * the hand-written ones so it never shadows one of them.
 */
export function planProviderRoute(bottle: LoadedBottle, signIn?: SignIn): ProviderRoutePlan {
  const credential = credentialOf(bottle);
  const provider = providerOf(bottle);
  if (!credential || provider.name === 'none') return { kind: 'none' };
  const chosen = signIn ?? declaredSignIn(credential);
  const route = providerRoute(provider, credential, chosen);
  const index = bottle.config.egress.routes.findIndex((r) => covers(r.host, route.host));
  if (index >= 0)
    return {
      kind: 'hand-written',
      index,
      route: bottle.config.egress.routes[index]!,
      host: route.host,
      signIn: chosen,
    };
  const toldAtStart =
    signIn === undefined &&
    provider.name === 'claude' &&
    credential.source === 'secret' &&
    credential.kind === undefined;
  return { kind: 'added', route, signIn: chosen, toldAtStart };
}

/** One line for `manifest check` and `doctor`: which route the provider's requests take. */
export function describeProviderRoute(plan: ProviderRoutePlan): string | undefined {
  if (plan.kind === 'none') return undefined;
  if (plan.kind === 'hand-written') {
    const auth = plan.route.auth
      ? `injects secret "${plan.route.auth.secret}" as ${plan.route.auth.header}`
      : 'injects no credential: the CLI reaches the host unauthenticated';
    return `provider route: the hand-written egress.routes[${plan.index}] (${plan.route.host}) is in force and ${auth}; auth_token adds none`;
  }
  const { route } = plan;
  const header = route.auth!.scheme
    ? `${route.auth!.header}: ${route.auth!.scheme}`
    : route.auth!.header;
  const told = plan.toldAtStart
    ? ' (Authorization: Bearer instead if the value is a subscription token, sk-ant-oat…)'
    : '';
  return `provider route: ${route.host} ${route.paths!.join(' ')} (${route.methods!.join(', ')}), ${header}${told} from auth_token, added by the launcher`;
}
