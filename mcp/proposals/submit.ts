import { createHash } from 'node:crypto';
import type { CallToolResult, ToolExtra } from '../sdk.js';
import type { ServerContext } from '../context.js';
import { newProposalId } from '../queue/ids.js';
import { listUndecided } from '../queue/reattach.js';
import { MAX_SUPERSEDES, ProposalSchema, type Proposal } from '../queue/schema.js';
import { writeProposal } from '../queue/store.js';
import { replaces, supersedeMarks } from '../queue/supersede.js';
import { outcomeResult, refusal, type AgentTool } from './inputs.js';
import { attachedOutcome } from './outcome.js';
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
 * A new proposal supersedes the older undecided ones of the same tool (it names them; the
 * supervisor archives them). Past the bottle's limits (./limiter.ts) the call is refused and
 * nothing is queued.
 */
export async function submitAndAwait(
  ctx: ServerContext,
  submission: Submission,
  extra: ToolExtra,
): Promise<CallToolResult> {
  const queued = await ctx.queueLock.run(() => queueOrReattach(ctx, submission));
  if ('refused' in queued) return refusal(queued.refused.message, queued.refused.hint);
  const outcome = await awaitOutcome(ctx, queued.id, extra);
  return outcomeResult(submission.tool, queued.attached ? attachedOutcome(outcome) : outcome);
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

const SUPERSEDED_REMEMBERED = 1000;

async function queueOrReattach(
  ctx: ServerContext,
  submission: Submission,
): Promise<{ id: string; attached: boolean } | { refused: { message: string; hint: string } }> {
  const undecided = await listUndecided(ctx.queueDir, 'agent', (file, reason) =>
    ctx.log.warn('queue_file_skipped', { file, reason }),
  );
  // `current`: not yet replaced by a newer one. A replaced one waits only for the supervisor to
  // archive it: it is never superseded again. The agent going back to it (A, then B, then A
  // again) files A anew, superseding B: its latest word is the one the operator sees. Only when
  // the limiter would refuse a new proposal is the call attached to the replaced one (an
  // unchanged resubmission is never refused as a new proposal).
  const marks = supersedeMarks(undecided);
  const sameTool = undecided.filter((proposal: Proposal) => proposal.tool === submission.tool);
  const current = sameTool.filter((proposal) => !marks.has(proposal.id));
  const identical = (proposal: Proposal) =>
    cachedKeyOf(ctx, submission, proposal) === submission.key;
  const reattach = (existing: Proposal) => {
    ctx.log.info('proposal_reattached', { proposal_id: existing.id, tool: submission.tool });
    return { id: existing.id, attached: true };
  };
  const existing = current.find(identical);
  if (existing) return reattach(existing);
  const verdict = ctx.limiter.check(undecided.length);
  if (!verdict.ok) {
    const replaced = sameTool.find(identical);
    if (replaced) return reattach(replaced);
    ctx.log.warn('proposal_limited', { tool: submission.tool, reason: verdict.message });
    return { refused: verdict };
  }
  const proposal = ProposalSchema.parse({
    v: 1,
    id: newProposalId('agent'),
    tool: submission.tool,
    justification: submission.justification,
    payload: submission.payload,
    // Strictly after what it replaces: a mark counts only from newer to older (../queue/supersede.ts).
    created_at: new Date(
      Math.max(Date.now(), ...current.map((old) => Date.parse(old.created_at) + 1)),
    ).toISOString(),
  });
  const supersedes = current
    .filter((old) => replaces(proposal, old))
    .map((old) => old.id)
    .slice(-MAX_SUPERSEDES);
  if (supersedes.length > 0) proposal.supersedes = supersedes;
  // The mark travels inside the new proposal: one atomic write, so an old proposal is never
  // marked without the one that replaces it being queued.
  await writeProposal(ctx.queueDir, 'agent', proposal);
  ctx.limiter.record();
  for (const old of supersedes) ctx.supersededBy.set(old, proposal.id);
  // Kept to name a replacement later; the oldest are forgotten first (a Map keeps insertion order).
  for (const old of ctx.supersededBy.keys()) {
    if (ctx.supersededBy.size <= SUPERSEDED_REMEMBERED) break;
    ctx.supersededBy.delete(old);
  }
  ctx.log.info('proposal_queued', {
    proposal_id: proposal.id,
    tool: proposal.tool,
    ...(supersedes.length > 0 ? { supersedes } : {}),
  });
  return { id: proposal.id, attached: false };
}
