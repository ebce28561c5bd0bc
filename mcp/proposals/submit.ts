import { createHash } from 'node:crypto';
import type { CallToolResult, ToolExtra } from '../sdk.js';
import type { ServerContext } from '../context.js';
import { newProposalId } from '../queue/ids.js';
import { listUndecided } from '../queue/reattach.js';
import { ProposalSchema, type Proposal } from '../queue/schema.js';
import { writeProposal } from '../queue/store.js';
import { outcomeResult, refusal, type AgentTool } from './inputs.js';
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
 * Past the bottle's limits (./limiter.ts) the call is refused and nothing is queued.
 */
export async function submitAndAwait(
  ctx: ServerContext,
  submission: Submission,
  extra: ToolExtra,
): Promise<CallToolResult> {
  const queued = await ctx.queueLock.run(() => queueOrReattach(ctx, submission));
  if ('refused' in queued) return refusal(queued.refused.message, queued.refused.hint);
  const outcome = await awaitOutcome(ctx, queued.id, extra);
  return outcomeResult(submission.tool, outcome);
}

/**
 * `keyOf` parses a queued file (YAML, Dockerfile) to compare by meaning; every call compares
 * against every undecided proposal, so under a flood the same payloads would be parsed again on
 * each call. Results are kept per payload digest, at most KEY_CACHE_ENTRIES of them.
 */
const keyCaches = new WeakMap<ServerContext, Map<string, string | undefined>>();
const KEY_CACHE_ENTRIES = 512;

function cachedKeyOf(ctx: ServerContext, submission: Submission, proposal: Proposal) {
  let cache = keyCaches.get(ctx);
  if (!cache) keyCaches.set(ctx, (cache = new Map<string, string | undefined>()));
  // By digest, not text: a payload may be a 256 KiB file.
  const text = createHash('sha256')
    .update(`${proposal.tool}\0${JSON.stringify(proposal.payload)}`)
    .digest('hex');
  if (cache.has(text)) return cache.get(text);
  if (cache.size >= KEY_CACHE_ENTRIES) cache.clear();
  const key = submission.keyOf(proposal.payload);
  cache.set(text, key);
  return key;
}

async function queueOrReattach(
  ctx: ServerContext,
  submission: Submission,
): Promise<{ id: string } | { refused: { message: string; hint: string } }> {
  const undecided = await listUndecided(ctx.queueDir, 'agent', (file, reason) =>
    ctx.log.warn('queue_file_skipped', { file, reason }),
  );
  const existing = undecided.find(
    (proposal: Proposal) =>
      proposal.tool === submission.tool &&
      cachedKeyOf(ctx, submission, proposal) === submission.key,
  );
  if (existing) {
    ctx.log.info('proposal_reattached', { proposal_id: existing.id, tool: submission.tool });
    return { id: existing.id };
  }
  const verdict = ctx.limiter.check(undecided.length);
  if (!verdict.ok) {
    ctx.log.warn('proposal_limited', { tool: submission.tool, reason: verdict.message });
    return { refused: verdict };
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
  ctx.limiter.record();
  ctx.log.info('proposal_queued', { proposal_id: proposal.id, tool: proposal.tool });
  return { id: proposal.id };
}
