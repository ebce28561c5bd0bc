import { CLAUDE_CODE_ALLOWED_TOOLS } from '../../mcp/host-config.js';
import type { SignIn } from '../credentials/provider-route.js';
import { OAUTH_PLACEHOLDER_TOKEN, PLACEHOLDER_TOKEN } from './placeholder.js';
import { providerOf, type Selection } from '../manifest/index.js';
import { CODEX_API_KEY_ENV, MCP_TOKEN_ENV } from '../state/prepare.js';
import { PROXY_PORT } from './compose-file.js';

export { PLACEHOLDER_TOKEN, OAUTH_PLACEHOLDER_TOKEN } from './placeholder.js';

/**
 * The variable each Claude sign-in is read from. Only one is set: Claude Code prefers
 * ANTHROPIC_AUTH_TOKEN, then ANTHROPIC_API_KEY, over CLAUDE_CODE_OAUTH_TOKEN, and a
 * subscription token sent from the wrong one loses the oauth beta header it needs (measured).
 */
const CLAUDE_TOKEN_ENV: Record<Exclude<SignIn, 'chatgpt'>, [string, string]> = {
  api_key: ['ANTHROPIC_API_KEY', PLACEHOLDER_TOKEN],
  bearer: ['ANTHROPIC_AUTH_TOKEN', PLACEHOLDER_TOKEN],
  oauth: ['CLAUDE_CODE_OAUTH_TOKEN', OAUTH_PLACEHOLDER_TOKEN],
};

export interface AgentRuntimeOptions {
  selection: Selection;
  mcpToken: string;
  branch?: string;
  cloneUrl?: string;
  prompt?: string;
  /** How the provider signs in (default: an API key, for bottles whose routes are hand-written). */
  signIn?: SignIn;
}

/** The agent container's environment: the proxy, the CA everywhere a tool looks, no secret. */
export function agentEnvironment(options: AgentRuntimeOptions): Record<string, string> {
  const proxy = `http://egress-proxy:${PROXY_PORT}`;
  const noProxy = 'supervise,git-gate,localhost,127.0.0.1';
  const env: Record<string, string> = {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    NODE_EXTRA_CA_CERTS: '/etc/claude-bottle/ca.crt',
    SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    REQUESTS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
    CODEX_CA_CERTIFICATE: '/etc/claude-bottle/ca.crt',
    [MCP_TOKEN_ENV]: options.mcpToken,
  };
  if (options.branch) env.CLAUDE_BOTTLE_BRANCH = options.branch;
  if (options.cloneUrl) env.CLAUDE_BOTTLE_CLONE_URL = options.cloneUrl;
  const provider = providerOf(options.selection.bottle);
  if (provider.name === 'claude') {
    const signIn = options.signIn === 'chatgpt' ? 'api_key' : (options.signIn ?? 'api_key');
    const [name, placeholder] = CLAUDE_TOKEN_ENV[signIn];
    env[name] = placeholder;
    // Without these the CLI calls api.anthropic.com for feature flags, telemetry and server
    // URLs whatever the base URL is: refused by the proxy, and a stall at every start.
    env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
    env.DISABLE_TELEMETRY = '1';
    env.DISABLE_ERROR_REPORTING = '1';
    env.DISABLE_AUTOUPDATER = '1';
    // Not covered by the above: a git clone of the official plugin marketplace from GitHub.
    env.CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL = '1';
    // The request still goes through the proxy, which injects the key on that host's route.
    if (provider.baseUrl) env.ANTHROPIC_BASE_URL = provider.baseUrl;
  }
  // Codex takes its endpoint from the model_provider block in $CODEX_HOME/config.toml.
  if (provider.name === 'codex') {
    // Signed in with ChatGPT, Codex reads $CODEX_HOME/auth.json (placeholder tokens); a key in
    // the environment would take precedence over it.
    if (options.signIn !== 'chatgpt') env[CODEX_API_KEY_ENV] = PLACEHOLDER_TOKEN;
    env.CODEX_HOME = '/home/agent/.codex';
  }
  return env;
}

/**
 * What a restarted headless agent is told instead of its task: the task is already in the
 * session it continues (`resume`, a capability rebuild), so repeating it would start over.
 */
export const RESUME_PROMPT =
  'The bottle was restarted (resume or a capability rebuild) and this session continues. Pick the task up where you left off: check what was in flight, then go on.';

/**
 * What the agent container runs (renderCompose escapes `$` for compose). The provider CLIs go
 * through the image's start-agent.sh, which decides at each start whether a session exists to
 * continue — the compose file stays the same across `resume` and rebuilds.
 */
export function agentCommand(options: AgentRuntimeOptions): string[] {
  const { selection } = options;
  const model = selection.agent.config.model;
  const provider = providerOf(selection.bottle).name;
  if (provider === 'none') return ['bash', '-l'];
  return [
    '/opt/claude-bottle/start-agent.sh',
    provider,
    ...(model ? ['--model', model] : []),
    // The bottle is the sandbox: no per-command prompt (Bash would be refused headless).
    ...(provider === 'claude' ? ['--allowed-tools', CLAUDE_CODE_ALLOWED_TOOLS] : []),
    ...(options.prompt ? ['--prompt', options.prompt, '--resume-prompt', RESUME_PROMPT] : []),
  ];
}
