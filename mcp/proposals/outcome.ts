import { z } from 'zod';
import type { Decision } from '../queue/schema.js';
import type { AgentTool } from './inputs.js';

/** The result every proposal tool returns, as `structuredContent` and (in words) as text. */
export const OutcomeSchema = z.strictObject({
  proposal_id: z.string(),
  status: z.enum(['approved', 'rejected', 'pending', 'superseded']),
  reason: z.string(),
  applied: z.boolean(),
  /** `superseded` by a newer proposal of the same tool: its id (the one the operator decides). */
  superseded_by: z.string().optional(),
  /** The call was identical to `proposal_id`, already queued: it attached to it, filing nothing. */
  attached: z.literal(true).optional(),
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

/**
 * `id` left the queue without a decision. With `by`: a newer proposal of the same tool
 * replaced it (the supervisor archived it as superseded); nothing of `id` was applied.
 */
export function supersededOutcome(id: string, by?: string): Outcome {
  if (by !== undefined) {
    return {
      proposal_id: id,
      status: 'superseded',
      reason: `superseded by ${by}, a newer proposal of the same tool from this agent, before the operator decided`,
      applied: false,
      superseded_by: by,
    };
  }
  return {
    proposal_id: id,
    status: 'superseded',
    reason: `${id} is no longer queued and has no decision (the operator withdrew it or replaced the queue)`,
    applied: false,
  };
}

/** The same outcome, marked as reached by attaching to an identical queued proposal. */
export function attachedOutcome(outcome: Outcome): Outcome {
  return { ...outcome, attached: true };
}

/** The text the model reads: what happened and what to do next. */
export function outcomeText(tool: AgentTool | undefined, outcome: Outcome): string {
  const attached = outcome.attached
    ? `This call was identical to proposal ${outcome.proposal_id}, already queued: it attached to it and filed nothing new. `
    : '';
  return attached + statusText(tool, outcome);
}

function statusText(tool: AgentTool | undefined, outcome: Outcome): string {
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
      if (outcome.superseded_by !== undefined)
        return `Proposal ${id} was superseded by ${outcome.superseded_by}: a newer proposal of the same tool from this agent replaced it before the operator decided, and nothing of ${id} was applied. The operator decides ${outcome.superseded_by} instead; if no call is waiting on it, call await-proposal with {"proposal_id": "${outcome.superseded_by}"}.`;
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
