import type { ProposalTool } from '../../mcp/queue/schema.js';
import { capabilityRebuild } from './capability-rebuild.js';
import { egressProxyApply } from './egress-proxy-apply.js';
import { gitleaksAllow } from './gitleaks-allow.js';
import { tokenAllow } from './token-allow.js';
import type { Engine } from './types.js';

const ENGINES: { [T in ProposalTool]: Engine<T> } = {
  'egress-proxy-block': egressProxyApply,
  'capability-block': capabilityRebuild,
  'gitleaks-allow': gitleaksAllow,
  'egress-token-allow': tokenAllow,
};

/** The engine that applies a tool's proposals. */
export function engineFor<T extends ProposalTool>(tool: T): Engine<T> {
  return ENGINES[tool];
}
