import { readdir } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';
import {
  PROPOSAL_ID_PATTERN,
  type Decision,
  type Proposal,
  type QueueSource,
} from '../../mcp/queue/schema.js';
import type { FindingRecord } from '../../images/git-gate/finding.js';
import { readArchived } from '../../mcp/queue/archive.js';
import { loadFindings } from '../../mcp/validate/findings.js';
import { findPending, listPending, readDecision } from '../../mcp/queue/store.js';
import { findSuperseder, supersedeMarks } from '../../mcp/queue/supersede.js';
import { listBottles, openBottle, type BottleRef } from './bottles.js';

/**
 * Where a proposal stands. `pending`: waiting for the operator (or, with a decision already
 * on disk, for the supervisor to archive it); `expired`: a proxy proposal whose held request
 * was refused at its deadline; `superseded`: an agent proposal archived undecided because a
 * newer one of the same tool replaced it (`supersededBy`); `withdrawn`: archived with no
 * decision otherwise.
 */
export type ProposalStatus =
  'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'superseded';

export interface ProposalView {
  slug: string;
  source: QueueSource;
  status: ProposalStatus;
  proposal: Proposal;
  decision?: Decision;
  /** A decision file that exists but cannot be read: shown, and treated as a refusal by readers. */
  decisionProblem?: string;
  /** True while the file is still in pending/ (the supervisor has not archived it yet). */
  queued: boolean;
  /** `superseded`: the id of the newer proposal that replaced this one. */
  supersededBy?: string;
  /** sha256 of the pending file's bytes as read: what a decision on this view is bound to. */
  sha256?: string;
  /**
   * gitleaks-allow: git-gate's own records of the finding ids, read from git-gate/findings/
   * (the copies in the payload came through the supervise sidecar and are never shown as the
   * gate's), and what is wrong when they are missing or differ from those copies.
   */
  gateFindings?: FindingRecord[];
  findingsProblem?: string;
}

export interface ListOptions {
  /** Decided and archived proposals too. */
  all?: boolean;
  slug?: string;
  now?: Date;
  onSkip?: (file: string, reason: string) => void;
}

/** A pending proposal's deadline has passed: nobody is waiting for its decision any more. */
export function isExpired(proposal: Proposal, now: Date): boolean {
  return proposal.expires_at !== undefined && Date.parse(proposal.expires_at) <= now.getTime();
}

/** The proposals of one bottle, newest first. */
export async function bottleProposals(
  bottle: BottleRef,
  options: ListOptions = {},
): Promise<ProposalView[]> {
  const now = options.now ?? new Date();
  const queueDir = bottle.layout.queue.root;
  const views: ProposalView[] = [];
  const queued = await listPending(queueDir, options.onSkip);
  const marks = supersedeMarks(queued.map((pending) => pending.proposal));
  for (const pending of queued) {
    const view = await withDecision(bottle.slug, pending.source, pending.proposal, queueDir, true);
    view.sha256 = pending.sha256;
    await attachGateFindings(view, bottle);
    if (view.status === 'pending' && isExpired(pending.proposal, now)) view.status = 'expired';
    markSuperseded(view, marks.get(pending.proposal.id));
    // Expired ones are listed until the supervisor archives them: they still need its sweep. A
    // replaced one is not the operator's to decide (the newer one is): listed with --all only.
    if (view.status === 'pending' || view.status === 'expired' || options.all) views.push(view);
  }
  if (options.all) {
    const names = await readdir(bottle.layout.queue.archive).catch(() => [] as string[]);
    for (const name of names) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !PROPOSAL_ID_PATTERN.test(id)) continue;
      if (views.some((view) => view.proposal.id === id)) continue;
      const view = await archivedView(bottle, id, options.onSkip);
      if (view) views.push(view);
    }
  }
  return views.sort((a, b) => b.proposal.created_at.localeCompare(a.proposal.created_at));
}

/** Proposals across every bottle (or one), newest first. */
export async function listProposals(
  home: string,
  options: ListOptions = {},
): Promise<ProposalView[]> {
  const bottles = options.slug
    ? [await openBottle(home, options.slug)]
    : (await listBottles(home)).bottles;
  const views: ProposalView[] = [];
  for (const bottle of bottles) views.push(...(await bottleProposals(bottle, options)));
  return views.sort((a, b) => b.proposal.created_at.localeCompare(a.proposal.created_at));
}

export interface LocatedProposal {
  bottle: BottleRef;
  view: ProposalView;
}

/**
 * Finds a proposal by id in any bottle (ids are unique across bottles in practice; a clash is
 * a usage error asking for --bottle). Pending, decided and archived ones are all found.
 */
export async function locateProposal(
  home: string,
  id: string,
  slug?: string,
): Promise<LocatedProposal> {
  if (!PROPOSAL_ID_PATTERN.test(id)) {
    throw new BottleError('USAGE', `"${id}" is not a proposal id`, {
      hint: 'ids look like agent-20261124T215501Z-3f9a0c2b; run `claude-bottle proposals`',
    });
  }
  const bottles = slug ? [await openBottle(home, slug)] : (await listBottles(home)).bottles;
  const found: LocatedProposal[] = [];
  for (const bottle of bottles) {
    const queueDir = bottle.layout.queue.root;
    const pending = await findPending(queueDir, id);
    if (pending) {
      const view = await withDecision(
        bottle.slug,
        pending.source,
        pending.proposal,
        queueDir,
        true,
      );
      view.sha256 = pending.sha256;
      await attachGateFindings(view, bottle);
      if (view.status === 'pending' && isExpired(pending.proposal, new Date()))
        view.status = 'expired';
      if (pending.source === 'agent')
        markSuperseded(view, await findSuperseder(queueDir, pending.proposal.id));
      found.push({ bottle, view });
      continue;
    }
    const view = await archivedView(bottle, id);
    if (view) found.push({ bottle, view });
  }
  if (found.length === 0) {
    throw new BottleError('PROPOSAL_NOT_FOUND', `no proposal ${id}${slug ? ` in ${slug}` : ''}`, {
      hint: 'run `claude-bottle proposals --all` for the ids',
    });
  }
  if (found.length > 1) {
    throw new BottleError(
      'USAGE',
      `proposal ${id} exists in ${found.map((f) => f.bottle.slug).join(', ')}`,
      {
        hint: 'name the bottle with --bottle SLUG',
      },
    );
  }
  return found[0]!;
}

/**
 * A queued, undecided proposal that a newer one replaces is `superseded` already: the agent's
 * call on it is answered so once the supervisor archives it, and deciding it is refused.
 */
function markSuperseded(view: ProposalView, by: string | undefined): void {
  if (by === undefined || view.status !== 'pending') return;
  view.status = 'superseded';
  view.supersededBy = by;
}

/** An archived proposal with its decision; without one it expired, was superseded or withdrawn. */
async function archivedView(
  bottle: BottleRef,
  id: string,
  onSkip?: (file: string, reason: string) => void,
): Promise<ProposalView | undefined> {
  const queueDir = bottle.layout.queue.root;
  const archived = await readArchived(queueDir, id);
  if (!archived.ok) {
    if (archived.reason !== 'missing')
      onSkip?.(bottle.layout.queue.archiveFile(id), archived.reason);
    return undefined;
  }
  const source: QueueSource = id.startsWith('egress-proxy-') ? 'egress-proxy' : 'agent';
  const view = await withDecision(bottle.slug, source, archived.value.proposal, queueDir, false);
  const note = archived.value.note;
  if (view.status === 'pending' && note?.status === 'superseded' && note.superseded_by) {
    view.status = 'superseded';
    view.supersededBy = note.superseded_by;
  } else if (view.status === 'pending') {
    view.status = note?.status === 'expired' ? 'expired' : 'withdrawn';
  }
  return view;
}

async function attachGateFindings(view: ProposalView, bottle: BottleRef): Promise<void> {
  if (view.proposal.tool !== 'gitleaks-allow') return;
  const { finding_ids, findings } = view.proposal.payload;
  const loaded = await loadFindings(bottle.layout.findings, finding_ids);
  if (!loaded.ok) {
    view.gateFindings = [];
    view.findingsProblem = `git-gate has no readable record of ${[...loaded.unknown, ...loaded.unreadable].join(', ')}`;
    return;
  }
  view.gateFindings = loaded.findings;
  const same = (a: FindingRecord, b: FindingRecord | undefined) =>
    b !== undefined && a.fingerprint === b.fingerprint && a.rule === b.rule && a.file === b.file;
  if (
    findings.length !== loaded.findings.length ||
    loaded.findings.some(
      (record) =>
        !same(
          record,
          findings.find((f) => f.id === record.id),
        ),
    )
  )
    view.findingsProblem = "the proposal's copies of the findings differ from git-gate's records";
}

async function withDecision(
  slug: string,
  source: QueueSource,
  proposal: Proposal,
  queueDir: string,
  queued: boolean,
): Promise<ProposalView> {
  const view: ProposalView = { slug, source, status: 'pending', proposal, queued };
  const decided = await readDecision(queueDir, proposal.id);
  if (decided?.ok) {
    view.decision = decided.value;
    view.status = decided.value.decision;
  } else if (decided) {
    view.decisionProblem = decided.reason;
    view.status = 'rejected';
  }
  return view;
}
