import type { ServerContext } from './context.js';
import { registerLiveConfigResources } from './resources/live-config.js';
import { McpServer } from './sdk.js';
import { registerTools } from './tools/index.js';

export const SERVER_NAME = 'supervise';
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = [
  'You run in a claude-bottle: network, image and git pushes are limited.',
  'When the egress proxy refuses a request, call egress-proxy-block; when you need a package or',
  'tool in the image, call capability-block; when git-gate refuses a push over a gitleaks finding',
  'that is not a secret, call gitleaks-allow. A human decides each proposal; the current',
  "configuration is in /etc/claude-bottle/current-config/ and in this server's resources.",
].join(' ');

/** Builds one server for one bottle. No side effects: a transport connects it. */
export function createServer(ctx: ServerContext): {
  server: McpServer;
  cleanup: () => Promise<void>;
} {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, ctx);
  registerLiveConfigResources(server, ctx);
  return { server, cleanup: () => server.close() };
}
