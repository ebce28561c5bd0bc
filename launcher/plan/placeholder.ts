/** Not a credential: provider CLIs refuse to start without one; the proxy injects the real key. */
export const PLACEHOLDER_TOKEN = 'claude-bottle-placeholder-the-proxy-injects-the-real-credential';

/**
 * The subscription token's placeholder keeps the family prefix: Claude Code tests for
 * `sk-ant-oat` on some paths, and DLP still knows it for a token if the agent sends it anywhere.
 */
export const OAUTH_PLACEHOLDER_TOKEN = `sk-ant-oat01-${PLACEHOLDER_TOKEN}`;
