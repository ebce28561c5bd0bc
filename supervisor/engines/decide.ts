import { BottleError } from '../../lib/errors.js';
import type { Decision } from '../../mcp/queue/schema.js';
import { archiveProposal } from '../../mcp/queue/archive.js';
import { writeDecision } from '../../mcp/queue/store.js';
import { appendAudit } from '../audit/log.js';
import type { BottleRef } from '../queue/bottles.js';
import { claimProposal } from '../queue/claim.js';
import { isExpired, locateProposal, type ProposalView } from '../queue/proposals.js';
import {
  describeExisting,
  refuseDecided,
  refuseRewritten,
  supersededError,
} from './decide-checks.js';
import { archiveSuperseded, settleSupersedes } from '../queue/supersede.js';
import {
  auditGrant,
  grantRecord,
  grantText,
  refuseLifetime,
  type GrantRecord,
} from '../grants/record.js';
import { grantFor, type Lifetime } from '../grants/lifetime.js';
import { engineFor } from './registry.js';
import type { ApplyOutcome, EngineDeps } from './types.js';

export interface DecideRequest {
  id: string;
  /** Narrows the search to one bottle (ids are found across every bottle otherwise). */
  slug?: string;
  action: 'approve' | 'reject';
  reason?: string;
  /** Who decides, as recorded in the decision and the audit line. */
  operator: string;
  /** A modified file to apply instead of the proposed one. */
  editedText?: string;
  /**
   * sha256 of the proposal as the operator was shown it (`ProposalView.sha256`, `proposals
   * --json` content_sha256): refused when the file now holds anything else.
   */
  expectSha256?: string;
  /** How long an approval lasts (default: the bottle's life); see supervisor/grants/. */
  lifetime?: Lifetime;
}

export interface DecideResult {
  slug: string;
  decision: Decision;
  /** True when the change is live (or, for report-only tools, recorded). */
  applied: boolean;
  message: string;
}

/**
 * The one path from an operator's choice to a decision, for the TUI and the headless verbs
 * alike: claim the proposal (two operators never both act), apply and confirm through its
 * engine, only then write the decision, audit it and archive the proposal. Failures that
 * consumed the proposal are decided (`applied: false`) and then thrown, so a caller's exit
 * code is non-zero exactly when the change is not live.
 */
export async function decide(request: DecideRequest, deps: EngineDeps): Promise<DecideResult> {
  const { bottle, view: first } = await locateProposal(deps.home, request.id, request.slug);
  const queueDir = bottle.layout.queue.root;
  const engine = engineFor(first.proposal.tool);
  const reason = request.reason?.trim() ?? '';
  if (request.action === 'reject' && reason === '')
    throw usage('a rejection needs a reason (--reason R): the agent reads it to change course');
  if (request.action === 'approve' && engine.reportOnly && reason === '')
    throw usage(
      `${first.proposal.tool} is report-only: approving lets a flagged value through, so say why (--reason R)`,
    );
  if (request.editedText !== undefined && (engine.reportOnly || !engine.editableText))
    throw usage(`${first.proposal.tool} proposals cannot be modified, only approved or rejected`);
  if (request.action === 'approve') refuseLifetime(first.proposal.tool, request.lifetime);
  refuseDecided(first);

  const claim = await claimProposal(queueDir, first.proposal.id, {
    operator: request.operator,
    action: request.action,
  });
  if (!claim.ok) {
    throw new BottleError(
      'DECISION_EXISTS',
      `proposal ${first.proposal.id} is being decided by ${claim.holder.operator} (${claim.holder.action}, since ${claim.holder.at})`,
      { hint: 'wait for that decision: `claude-bottle proposals --all` shows it' },
    );
  }
  try {
    // The one read that counts, under the claim: exactly these bytes are applied, decided,
    // audited and archived. Decided meanwhile: report it, never decide twice.
    const { view } = await locateProposal(deps.home, request.id, bottle.slug);
    refuseDecided(view);
    refuseRewritten(view, first.sha256, request.expectSha256);
    if (view.status === 'superseded' && view.supersededBy !== undefined) {
      // Under its claim: tidied here rather than left for the supervisor's sweep.
      await archiveSuperseded(bottle, view.proposal, view.supersededBy, {
        operator: request.operator,
        now: deps.now,
      });
      throw supersededError(view);
    }
    if (isExpired(view.proposal, deps.now())) {
      await expire(bottle, view, request.operator, deps);
      throw new BottleError(
        'PROPOSAL_EXPIRED',
        `proposal ${view.proposal.id} expired at ${view.proposal.expires_at}: the held request was already refused`,
        {
          hint: 'nothing waits for this decision any more; the agent will ask again if it retries',
        },
      );
    }
    if (request.action === 'reject') {
      return await finish(bottle, view, request, deps, {
        decision: decision(view, 'rejected', reason, request.operator, deps),
        result: 'rejected',
      });
    }
    const lifetime = request.lifetime ?? { kind: 'bottle' };
    const grant = grantFor(lifetime, deps.now());
    const outcome = await engine.apply(
      {
        bottle,
        proposal: view.proposal,
        editedText: request.editedText,
        ...(grant ? { grant } : {}),
      },
      deps,
    );
    const record = grantRecord(lifetime, grant);
    return await settle(bottle, view, request, reason, outcome, deps, record);
  } finally {
    await claim.release();
  }
}

async function settle(
  bottle: BottleRef,
  view: ProposalView,
  request: DecideRequest,
  reason: string,
  outcome: ApplyOutcome,
  deps: EngineDeps,
  grant: GrantRecord | undefined,
): Promise<DecideResult> {
  const base = { sha256_before: outcome.sha256Before };
  if (outcome.kind === 'stale') {
    await finish(bottle, view, request, deps, {
      decision: {
        ...decision(view, 'rejected', `not applied: ${outcome.message}`, request.operator, deps),
        applied: false,
      },
      result: 'stale',
      ...base,
    });
    throw new BottleError('PROPOSAL_STALE', outcome.message, {
      hint: 'it was answered as rejected so the agent proposes again on the current file',
    });
  }
  if (outcome.kind === 'failed') {
    await finish(bottle, view, request, deps, {
      decision: {
        ...decision(view, 'approved', reason, request.operator, deps),
        applied: false,
        message: outcome.message,
      },
      result: 'failed',
      ...base,
    });
    throw new BottleError('APPLY_FAILED', outcome.message, {
      hint: 'the bottle runs as before; the agent was told the change could not be applied',
    });
  }
  const lasting = grant ? `; granted ${grantText(grant)}` : '';
  const result = await finish(bottle, view, request, deps, {
    decision: {
      ...decision(view, 'approved', reason, request.operator, deps),
      applied: true,
      message: `${outcome.message}${lasting}`,
      ...(outcome.modifiedPayload ? { modified_payload: outcome.modifiedPayload } : {}),
      ...(grant ? { grant } : {}),
    },
    result: engineFor(view.proposal.tool).reportOnly ? 'recorded' : 'applied',
    ...base,
    sha256_after: outcome.sha256After,
  });
  if (outcome.afterDecision) {
    const after = await outcome.afterDecision();
    await appendAudit(bottle.layout, {
      proposal_id: view.proposal.id,
      tool: view.proposal.tool,
      decision: 'approved',
      reason,
      operator: request.operator,
      result: after.ok ? 'restarted' : 'restart-failed',
      message: after.message,
    });
    if (!after.ok) throw new BottleError('APPLY_FAILED', after.message);
    result.message = `${result.message}; ${after.message}`;
  }
  return result;
}

interface Finish {
  decision: Decision;
  result: 'applied' | 'recorded' | 'rejected' | 'failed' | 'stale';
  sha256_before?: string | undefined;
  sha256_after?: string | undefined;
}

async function finish(
  bottle: BottleRef,
  view: ProposalView,
  request: DecideRequest,
  deps: EngineDeps,
  finished: Finish,
): Promise<DecideResult> {
  const written = await writeDecision(bottle.layout.queue.root, finished.decision);
  if (!written.written) {
    throw new BottleError('DECISION_EXISTS', `proposal ${view.proposal.id} was decided meanwhile`, {
      hint: describeExisting(written.existing.ok ? written.existing.value : undefined),
    });
  }
  await appendAudit(bottle.layout, {
    proposal_id: view.proposal.id,
    tool: view.proposal.tool,
    decision: finished.decision.decision,
    reason: finished.decision.reason,
    operator: request.operator,
    ...(finished.sha256_before ? { sha256_before: finished.sha256_before } : {}),
    ...(finished.sha256_after ? { sha256_after: finished.sha256_after } : {}),
    ...(view.sha256 ? { proposal_sha256: view.sha256 } : {}),
    result: finished.result,
    ...(finished.decision.message ? { message: finished.decision.message } : {}),
    ...(finished.decision.grant ? { grant: auditGrant(finished.decision.grant) } : {}),
  });
  // Whoever decides also tidies what this proposal replaced, while its marks are still queued
  // with it: a queue decided only by the headless verbs never fills with superseded proposals
  // (they count toward the agent's cap until archived).
  await settleSupersedes(bottle, { operator: request.operator, now: deps.now }).catch(
    (error: unknown) =>
      deps.progress(`warning: superseded proposals stay queued for now: ${String(error)}`),
  );
  // The decision stands once written: a failed move out of pending/ is tidied by the sweep.
  await archiveProposal(bottle.layout.queue.root, view.source, view.proposal, {
    status: 'decided',
    at: deps.now().toISOString(),
    by: request.operator,
  }).catch((error: unknown) =>
    deps.progress(`warning: ${view.proposal.id} stays in pending/ for now: ${String(error)}`),
  );
  return {
    slug: bottle.slug,
    decision: finished.decision,
    applied: finished.decision.applied ?? false,
    message: finished.decision.message ?? finished.decision.reason,
  };
}

/** Archives a proxy proposal whose held request is gone, with its audit line. */
export async function expire(
  bottle: BottleRef,
  view: ProposalView,
  operator: string,
  deps: EngineDeps,
): Promise<void> {
  await appendAudit(bottle.layout, {
    proposal_id: view.proposal.id,
    tool: view.proposal.tool,
    decision: 'expired',
    reason: `no decision before ${view.proposal.expires_at}`,
    operator,
    result: 'expired',
  });
  await archiveProposal(bottle.layout.queue.root, view.source, view.proposal, {
    status: 'expired',
    at: deps.now().toISOString(),
    by: operator,
  });
}

function decision(
  view: ProposalView,
  verdict: 'approved' | 'rejected',
  reason: string,
  operator: string,
  deps: EngineDeps,
): Decision {
  return {
    v: 1,
    id: view.proposal.id,
    decision: verdict,
    reason,
    decided_by: operator,
    decided_at: deps.now().toISOString(),
    ...(view.sha256 ? { proposal_sha256: view.sha256 } : {}),
  };
}

function usage(message: string): BottleError {
  return new BottleError('USAGE', message, { hint: 'run `claude-bottle approve --help`' });
}
