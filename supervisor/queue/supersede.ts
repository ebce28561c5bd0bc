import { archiveProposal } from '../../mcp/queue/archive.js';
import type { Proposal } from '../../mcp/queue/schema.js';
import { findPending, listPending, readDecision } from '../../mcp/queue/store.js';
import { supersedeMarks } from '../../mcp/queue/supersede.js';
import { appendAudit } from '../audit/log.js';
import type { BottleRef } from './bottles.js';
import { claimProposal } from './claim.js';

export interface SupersedeOptions {
  /** Who archives, as recorded in the archive note and the audit line. */
  operator: string;
  now?: () => Date;
  onSkip?: (file: string, reason: string) => void;
}

/**
 * Acts on the supervise server's supersede marks (a new agent proposal naming older undecided
 * ones it replaces, mcp/queue/supersede.ts): each old proposal is archived as `superseded` with
 * `superseded_by` and audited, and the agent's call still waiting on it is answered so. The
 * supervisor does it, not the sidecar, because only it sees operators' claims: an old proposal
 * that an operator is deciding right now (its claim is held) or that is decided already is
 * left alone — the new one is then simply queued next to it. Returns the ids archived.
 */
export async function settleSupersedes(
  bottle: BottleRef,
  options: SupersedeOptions,
): Promise<string[]> {
  const queueDir = bottle.layout.queue.root;
  const queued = (await listPending(queueDir, options.onSkip)).filter(
    (pending) => pending.source === 'agent',
  );
  const archived: string[] = [];
  for (const [oldId, byId] of supersedeMarks(queued.map((pending) => pending.proposal))) {
    if ((await readDecision(queueDir, oldId)) !== undefined) continue;
    const claim = await claimProposal(queueDir, oldId, {
      operator: options.operator,
      action: 'supersede',
    });
    if (!claim.ok) continue;
    try {
      // Under the claim: still queued and still undecided, or it stays as it is.
      const still = await findPending(queueDir, oldId);
      if (!still || (await readDecision(queueDir, oldId)) !== undefined) continue;
      await archiveSuperseded(bottle, still.proposal, byId, options);
      archived.push(oldId);
    } finally {
      await claim.release();
    }
  }
  return archived;
}

/**
 * Archives one undecided agent proposal as replaced by `byId`, audit line first (as for an
 * expiry: the record of why it left the queue exists before it leaves). Callers hold its claim.
 */
export async function archiveSuperseded(
  bottle: BottleRef,
  proposal: Proposal,
  byId: string,
  options: SupersedeOptions,
): Promise<void> {
  const now = options.now ?? (() => new Date());
  await appendAudit(bottle.layout, {
    proposal_id: proposal.id,
    tool: proposal.tool,
    decision: 'superseded',
    reason: `superseded by ${byId}, a newer proposal of the same tool from the agent`,
    operator: options.operator,
    result: 'superseded',
  });
  await archiveProposal(bottle.layout.queue.root, 'agent', proposal, {
    status: 'superseded',
    at: now().toISOString(),
    by: options.operator,
    superseded_by: byId,
  });
}
