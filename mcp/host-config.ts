/**
 * What the launcher writes into the agent so its MCP host reaches the supervise sidecar.
 * Pure functions: the launcher decides where the files go and keeps the token out of logs.
 */

/** The MCP server name the agent sees; Claude Code prefixes its tools with `mcp__supervise__`. */
export const MCP_SERVER_NAME = 'supervise';

/** Claude Code's `--allowedTools` entry that pre-allows every supervise tool. */
export const CLAUDE_CODE_ALLOWED_TOOLS = `mcp__${MCP_SERVER_NAME}`;

/** A tool call waits up to --max-wait (20 min) for a human: allow 30 min per call. */
export const TOOL_TIMEOUT_SECONDS = 1800;
export const STARTUP_TIMEOUT_SECONDS = 30;

export interface ClaudeCodeMcpConfig {
  mcpServers: Record<
    string,
    { type: 'http'; url: string; headers: Record<string, string>; timeout: number }
  >;
}

/** The object to write as JSON for `claude --mcp-config FILE` (the file holds the token). */
export function claudeCodeMcpConfig(options: { url: string; token: string }): ClaudeCodeMcpConfig {
  checkUrl(options.url);
  if (options.token === '' || /\s/.test(options.token)) {
    throw new Error('claudeCodeMcpConfig: the token must be one non-empty word');
  }
  return {
    mcpServers: {
      [MCP_SERVER_NAME]: {
        type: 'http',
        url: options.url,
        headers: { Authorization: `Bearer ${options.token}` },
        timeout: TOOL_TIMEOUT_SECONDS * 1000,
      },
    },
  };
}

/**
 * Codex's id for a bottle's own endpoint. Not `openai`: Codex ignores config overrides of its
 * built-in providers (openai, ollama, lmstudio), so a gateway needs a provider of its own.
 */
export const CODEX_PROVIDER_ID = 'claude-bottle';

/**
 * A Codex model provider: where it sends Responses API calls and how it signs in — with the key
 * in a variable, or with the ChatGPT login in $CODEX_HOME/auth.json (placeholders in a bottle;
 * the proxy replaces them).
 */
export type CodexModelProvider =
  | {
      baseUrl: string;
      /** The variable Codex reads the API key from. */
      envKey: string;
    }
  | {
      baseUrl: string;
      /** The ChatGPT backend's root, where Codex checks the account (`wham/…`). */
      chatgptBaseUrl: string;
    };

export interface CodexConfigOptions {
  url: string;
  bearerTokenEnvVar: string;
  /** Absent: Codex's built-in OpenAI provider. */
  modelProvider?: CodexModelProvider;
  /** The agent file's prompt, added to Codex's own instructions (Claude's --append-system-prompt). */
  developerInstructions?: string;
}

/**
 * Codex's config.toml: the `[mcp_servers.supervise]` block and, for a bottle with a base_url,
 * a `model_provider` selecting a `[model_providers.claude-bottle]` block. Codex reads every
 * token from a named environment variable, so the file itself holds no secret.
 */
export function codexConfigToml(options: CodexConfigOptions): string {
  checkUrl(options.url);
  checkEnvName(options.bearerTokenEnvVar);
  // TOML: a root key after the first table would belong to that table, so root keys go first.
  const root = [
    // Each of these otherwise reaches out at every start (measured on 0.171.0 with strace): an
    // update check on api.github.com, OTLP metrics to ab.chatgpt.com, and a plugin sync that runs
    // `git ls-remote github.com/openai/plugins` and asks chatgpt.com. The proxy would refuse them;
    // off, the CLI never waits on a refusal.
    'check_for_update_on_startup = false',
  ];
  // A table, filled in below (the ChatGPT provider adds to it).
  const features = ['[features]', 'plugins = false'];
  const tables: string[][] = [['[analytics]', 'enabled = false'], features];
  if (options.developerInstructions !== undefined && options.developerInstructions.trim() !== '') {
    root.push(`developer_instructions = ${tomlString(options.developerInstructions)}`);
  }
  if (options.modelProvider) {
    const provider = options.modelProvider;
    checkUrl(provider.baseUrl, 'model provider base_url');
    root.push(`model_provider = ${tomlString(CODEX_PROVIDER_ID)}`);
    let signIn: string[];
    if ('envKey' in provider) {
      checkEnvName(provider.envKey);
      signIn = [`env_key = ${tomlString(provider.envKey)}`];
    } else {
      checkUrl(provider.chatgptBaseUrl, 'chatgpt_base_url');
      root.push(
        `chatgpt_base_url = ${tomlString(provider.chatgptBaseUrl)}`,
        // The login is the placeholder auth.json the launcher writes, never a keyring.
        'cli_auth_credentials_store = "file"',
      );
      // A provider of our own, not the built-in one, even on chatgpt.com: the built-in one
      // opens a WebSocket first and compresses bodies with zstd, and the proxy scans neither
      // (measured on 0.171.0); this one posts plain HTTPS the proxy reads byte for byte.
      signIn = ['requires_openai_auth = true'];
      features.push('enable_request_compression = false', 'apps = false');
    }
    tables.push([
      `[model_providers.${CODEX_PROVIDER_ID}]`,
      `name = ${tomlString(CODEX_PROVIDER_ID)}`,
      `base_url = ${tomlString(provider.baseUrl)}`,
      ...signIn,
      // The only wire API current Codex releases accept ("chat" is refused at startup).
      'wire_api = "responses"',
    ]);
  }
  tables.push([
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `url = ${tomlString(options.url)}`,
    `bearer_token_env_var = ${tomlString(options.bearerTokenEnvVar)}`,
    `startup_timeout_sec = ${STARTUP_TIMEOUT_SECONDS}`,
    `tool_timeout_sec = ${TOOL_TIMEOUT_SECONDS}`,
  ]);
  const lines = [...root, ...tables.flatMap((table) => ['', ...table]), ''];
  return lines.join('\n');
}

function checkEnvName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`codexConfigToml: "${name}" is not an environment variable name`);
  }
}

function checkUrl(url: string, what = 'MCP url'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${what} "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${what} "${url}" must be http:// or https://`);
  }
}

/**
 * A TOML basic string. JSON's escapes (\\ \" \n \t \uXXXX for controls) are all valid TOML
 * escapes, and JSON leaves every other character as it is, which TOML accepts in a basic string.
 */
function tomlString(text: string): string {
  // DEL is the one control character JSON leaves bare and TOML refuses.
  return JSON.stringify(text).replace(/\x7f/g, '\\u007F');
}
