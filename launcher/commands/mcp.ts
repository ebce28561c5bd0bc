import { createSuperviseCommand } from '../../mcp/options.js';

/**
 * `claude-bottle mcp`: the supervise MCP server for one bottle, for any MCP host on this
 * machine (stdio) or over Streamable HTTP. Same flags as the supervise sidecar.
 */
export const mcpCommand = createSuperviseCommand(async (options, io) =>
  (await import('../../mcp/run.js')).runSupervise(options, {
    // stdin/stdout carry the protocol with --stdio; io.stdout is for human text.
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
  }),
);
