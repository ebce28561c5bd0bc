// A child-process entry: the real supervise MCP server from source, as its bundle runs it.
import { main } from '../../../../mcp/main.js';

process.exitCode = await main(process.argv.slice(2));
