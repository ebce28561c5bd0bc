import { archiveProposal } from '../../mcp/queue/archive.js';
import { findPending, readDecision } from '../../mcp/queue/store.js';
import type { BottleRef } from '../queue/bottles.js';
import { claimProposal } from '../queue/claim.js';
import { bottleProposals } from '../queue/proposals.js';
import { expire } from './decide.js';
import type { EngineDeps } from './types.js';

/**
 * Tidies one bottle's queue, as only the supervisor may: a proxy proposal past its deadline is
 * archived as expired (audited); a proposal that has a decision but is still in pending/ (a
 * supervisor stopped between the two steps) is archived as decided. Returns how many moved.
 */
export async function sweepQueue(
  bottle: BottleRef,
  operator: string,
  deps: EngineDeps,
): Promise<number> {
  let moved = 0;
  for (const view of await bottleProposals(bottle, { now: deps.now() })) {
    if (view.status !== 'expired' || !view.queued) continue;
    // An operator deciding it right now holds the claim; that decide() reports the expiry.
    const claim = await claimProposal(bottle.layout.queue.root, view.proposal.id, {
      operator,
      action: 'expire',
    });
    if (!claim.ok) continue;
    try {
      const queueDir = bottle.layout.queue.root;
      const still = await findPending(queueDir, view.proposal.id);
      if (still && (await readDecision(queueDir, view.proposal.id)) === undefined) {
        await expire(bottle, view, operator, deps);
        moved++;
      }
    } finally {
      await claim.release();
    }
  }
  for (const view of await bottleProposals(bottle, { all: true, now: deps.now() })) {
    if (!view.queued || (view.status !== 'approved' && view.status !== 'rejected')) continue;
    await archiveProposal(bottle.layout.queue.root, view.source, view.proposal, {
      status: 'decided',
      at: deps.now().toISOString(),
      by: view.decision?.decided_by ?? operator,
    });
    moved++;
  }
  return moved;
}
