import type { ServerContext } from '../context.js';
import type { McpServer } from '../sdk.js';
import { registerAwaitProposalTool } from './await-proposal.js';
import { registerCapabilityBlockTool } from './capability-block.js';
import { registerEgressProxyBlockTool } from './egress-proxy-block.js';
import { registerGitleaksAllowTool } from './gitleaks-allow.js';

/** Registers the four agent tools; their names are fixed by the queue contract. */
export function registerTools(server: McpServer, ctx: ServerContext): void {
  registerEgressProxyBlockTool(server, ctx);
  registerCapabilityBlockTool(server, ctx);
  registerGitleaksAllowTool(server, ctx);
  registerAwaitProposalTool(server, ctx);
}
