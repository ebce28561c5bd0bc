import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'serve the supervise MCP server for one bottle',
  help: 'usage: claude-bottle mcp\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'mcp is not built yet'));
  },
};
