import { listPending } from './store.js';
import type { Proposal } from './schema.js';

/**
 * Supersede marks: a new agent proposal names, in `supersedes`, the older undecided proposals
 * of the same tool that it replaces. The supervise server writes the mark (inside the new
 * proposal, so it can never exist without the proposal that replaces); only the supervisor,
 * which sees operators' claims, acts on it (supervisor/queue/supersede.ts).
 */

/** Oldest first: by `created_at`, then by id. */
export function byAge(a: Proposal, b: Proposal): number {
  return a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
}

/**
 * Whether `newer` may replace `older`: both the agent's, the same tool, and the same target.
 * A routes.yaml or Dockerfile proposal is a whole file, so a newer one always stands for the
 * older; a gitleaks-allow replaces only one whose findings it names all of (an allowance for
 * other findings is another question for the operator, never silently dropped).
 */
export function replaces(newer: Proposal, older: Proposal): boolean {
  if (!newer.id.startsWith('agent-') || !older.id.startsWith('agent-')) return false;
  if (newer.id === older.id) return false;
  if (newer.tool === 'gitleaks-allow' && older.tool === 'gitleaks-allow') {
    const named = new Set(newer.payload.finding_ids);
    return older.payload.finding_ids.every((id) => named.has(id));
  }
  return newer.tool === older.tool && newer.tool !== 'gitleaks-allow';
}

/**
 * Which of `proposals` are marked as replaced: old id → the id of the oldest proposal in the
 * list that supersedes it. A mark counts only when the newer one `replaces` the older, the
 * replaced one strictly older than the replacing one (so marks can never form a cycle), and
 * both are in the list.
 */
export function supersedeMarks(proposals: readonly Proposal[]): Map<string, string> {
  const sorted = [...proposals].sort(byAge);
  const position = new Map(sorted.map((proposal, index) => [proposal.id, index]));
  const marks = new Map<string, string>();
  sorted.forEach((by, index) => {
    for (const oldId of by.supersedes ?? []) {
      const at = position.get(oldId);
      if (at === undefined || at >= index || marks.has(oldId)) continue;
      if (replaces(by, sorted[at]!)) marks.set(oldId, by.id);
    }
  });
  return marks;
}

/** The oldest queued agent proposal that replaces `id` (a valid mark), if one is queued. */
export async function findSuperseder(queueDir: string, id: string): Promise<string | undefined> {
  const queued = (await listPending(queueDir))
    .filter((pending) => pending.source === 'agent')
    .map((pending) => pending.proposal)
    .sort(byAge);
  return supersedeMarks(queued).get(id);
}
