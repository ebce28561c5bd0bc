// A child-process entry for tests: runs the supervise server from source, as the bundle does.
import { main } from '../../../../mcp/main.js';

process.exitCode = await main(process.argv.slice(2));
