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
 * The `[mcp_servers.supervise]` block for Codex's config.toml. Codex reads the token from the
 * named environment variable, so the file itself holds no secret.
 */
export function codexConfigToml(options: { url: string; bearerTokenEnvVar: string }): string {
  checkUrl(options.url);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.bearerTokenEnvVar)) {
    throw new Error(
      `codexConfigToml: "${options.bearerTokenEnvVar}" is not an environment variable name`,
    );
  }
  return [
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `url = ${tomlString(options.url)}`,
    `bearer_token_env_var = ${tomlString(options.bearerTokenEnvVar)}`,
    `startup_timeout_sec = ${STARTUP_TIMEOUT_SECONDS}`,
    `tool_timeout_sec = ${TOOL_TIMEOUT_SECONDS}`,
    '',
  ].join('\n');
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`MCP url "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`MCP url "${url}" must be http:// or https://`);
  }
}

/** A TOML basic string: JSON's escaping is a valid subset for the characters a URL holds. */
function tomlString(text: string): string {
  return JSON.stringify(text);
}
