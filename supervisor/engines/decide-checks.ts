import { BottleError } from '../../lib/errors.js';
import type { Decision } from '../../mcp/queue/schema.js';
import type { ProposalView } from '../queue/proposals.js';

// The refusals decide() makes before any engine runs: already decided, or rewritten since read.

/** No producer rewrites a queued proposal: a change under its id is refused, never applied. */
export function refuseRewritten(view: ProposalView, firstRead?: string, shown?: string): void {
  const changed =
    view.sha256 === undefined ||
    view.sha256 !== firstRead ||
    (shown !== undefined && shown !== view.sha256);
  if (!changed) return;
  throw new BottleError(
    'PROPOSAL_INVALID',
    `proposal ${view.proposal.id} changed after it was ${shown ? 'shown' : 'read'} (sha256 ${String(shown ?? firstRead).slice(0, 12)}… → ${String(view.sha256).slice(0, 12)}…); nothing was applied`,
    {
      hint: 'a producer rewrote a queued proposal, which none should: look at it again (`claude-bottle proposals`) before deciding',
    },
  );
}

export function refuseDecided(view: ProposalView): void {
  if (view.status === 'pending') return;
  if (view.status === 'superseded' && view.queued) return; // replaced but not archived: handled by the caller
  if (view.status === 'superseded') throw supersededError(view);
  if (view.status === 'expired' && view.queued) return; // expired but not archived: handled by the caller
  throw new BottleError(
    view.status === 'expired' ? 'PROPOSAL_EXPIRED' : 'DECISION_EXISTS',
    `proposal ${view.proposal.id} is already ${view.status}`,
    { hint: describeExisting(view.decision) },
  );
}

export function describeExisting(decided: Decision | undefined): string {
  if (!decided) return 'run `claude-bottle proposals --all` to see it';
  const applied = decided.applied === false ? ', not applied' : '';
  return `${decided.decision}${applied} by ${decided.decided_by} at ${decided.decided_at}${decided.reason ? `: ${decided.reason}` : ''}`;
}

/** Deciding a replaced proposal would answer a call the agent no longer makes: decide the newer one. */
export function supersededError(view: ProposalView): BottleError {
  const by = view.supersededBy ?? 'a newer proposal';
  return new BottleError(
    'PROPOSAL_SUPERSEDED',
    `proposal ${view.proposal.id} was superseded by ${by}, a newer ${view.proposal.tool} from the same agent; nothing was applied`,
    { hint: `decide ${by} instead (\`claude-bottle proposals\` lists it)` },
  );
}
