import type { CallToolResult, ToolExtra } from '../sdk.js';
import type { ServerContext } from '../context.js';
import { newProposalId } from '../queue/ids.js';
import { findUndecided } from '../queue/reattach.js';
import { ProposalSchema, type Proposal } from '../queue/schema.js';
import { writeProposal } from '../queue/store.js';
import { outcomeResult, type AgentTool } from './inputs.js';
import { awaitOutcome } from './wait.js';

export interface Submission {
  tool: AgentTool;
  justification: string;
  /** The tool's arguments without justification, plus base_sha256 / copied records. */
  payload: Record<string, unknown>;
  /** Normalized identity of the payload; equal keys re-attach while undecided. */
  key: string;
  /** The same normalization applied to a queued proposal's payload (undefined: never equal). */
  keyOf: (payload: Record<string, unknown>) => string | undefined;
}

/**
 * Queues a validated proposal (or re-attaches to an identical undecided one), then waits for
 * the operator. Nothing here decides: the only way out with `approved` is a decision file.
 */
export async function submitAndAwait(
  ctx: ServerContext,
  submission: Submission,
  extra: ToolExtra,
): Promise<CallToolResult> {
  const id = await ctx.queueLock.run(() => queueOrReattach(ctx, submission));
  const outcome = await awaitOutcome(ctx, id, extra);
  return outcomeResult(submission.tool, outcome);
}

async function queueOrReattach(ctx: ServerContext, submission: Submission): Promise<string> {
  const existing = await findUndecided(
    ctx.queueDir,
    'agent',
    (proposal: Proposal) =>
      proposal.tool === submission.tool && submission.keyOf(proposal.payload) === submission.key,
    (file, reason) => ctx.log.warn('queue_file_skipped', { file, reason }),
  );
  if (existing) {
    ctx.log.info('proposal_reattached', { proposal_id: existing.id, tool: submission.tool });
    return existing.id;
  }
  const proposal = ProposalSchema.parse({
    v: 1,
    id: newProposalId('agent'),
    tool: submission.tool,
    justification: submission.justification,
    payload: submission.payload,
    created_at: new Date().toISOString(),
  });
  await writeProposal(ctx.queueDir, 'agent', proposal);
  ctx.log.info('proposal_queued', { proposal_id: proposal.id, tool: proposal.tool });
  return proposal.id;
}
