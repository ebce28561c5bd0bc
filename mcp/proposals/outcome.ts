import { z } from 'zod';
import type { Decision } from '../queue/schema.js';
import type { AgentTool } from './inputs.js';

/** The result every proposal tool returns, as `structuredContent` and (in words) as text. */
export const OutcomeSchema = z.strictObject({
  proposal_id: z.string(),
  status: z.enum(['approved', 'rejected', 'pending', 'superseded']),
  reason: z.string(),
  applied: z.boolean(),
});

export type Outcome = z.output<typeof OutcomeSchema>;

const AFTER_APPROVAL: Record<AgentTool, string> = {
  'egress-proxy-block':
    'The new routes are live: retry the request. The current file is /etc/claude-bottle/current-config/routes.yaml.',
  'capability-block':
    'The agent container restarts on the new image now; your workspace, branch and session are kept.',
  'gitleaks-allow': 'The findings are allowlisted at git-gate: push again.',
};

export function decisionOutcome(id: string, decision: Decision): Outcome {
  return {
    proposal_id: id,
    status: decision.decision,
    reason: [decision.reason, decision.message].filter(Boolean).join(' — '),
    applied: decision.applied ?? decision.decision === 'approved',
  };
}

/** A decision file that cannot be read counts as a rejection: nothing but the operator approves. */
export function unreadableDecisionOutcome(id: string, why: string): Outcome {
  return {
    proposal_id: id,
    status: 'rejected',
    reason: `the decision file for ${id} could not be read (${why}); treated as rejected — ask the operator to decide again`,
    applied: false,
  };
}

export function pendingOutcome(id: string, waitedMs: number): Outcome {
  return {
    proposal_id: id,
    status: 'pending',
    reason: `no decision yet after ${formatElapsed(waitedMs)}; the proposal stays queued`,
    applied: false,
  };
}

export function supersededOutcome(id: string): Outcome {
  return {
    proposal_id: id,
    status: 'superseded',
    reason: `${id} is no longer queued and has no decision (the operator withdrew it or replaced the queue)`,
    applied: false,
  };
}

/** The text the model reads: what happened and what to do next. */
export function outcomeText(tool: AgentTool | undefined, outcome: Outcome): string {
  const id = outcome.proposal_id;
  switch (outcome.status) {
    case 'approved':
      return outcome.applied
        ? `Proposal ${id} was approved: ${outcome.reason || '(no reason given)'}. ${tool ? AFTER_APPROVAL[tool] : 'The change is applied.'}`
        : `Proposal ${id} was approved but could not be applied: ${outcome.reason || '(no reason given)'}. The bottle runs as before; read the current config under /etc/claude-bottle/current-config/ and propose again if you still need the change.`;
    case 'rejected':
      return `Proposal ${id} was rejected: ${outcome.reason || '(no reason given)'}. Do not resubmit the same change; address the reason or take another approach.`;
    case 'pending':
      return `Proposal ${id} is still awaiting the operator: ${outcome.reason}. Call await-proposal with {"proposal_id": "${id}"} to keep waiting; do not submit it again.`;
    case 'superseded':
      return `Proposal ${id} was superseded: ${outcome.reason}. Read the current config under /etc/claude-bottle/current-config/ and propose again if you still need the change.`;
  }
}

/** "45s", "3m", "3m20s": for progress messages and pending reasons. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes === 0) return `${seconds}s`;
  return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
}
