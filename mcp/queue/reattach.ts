import { listPending } from './store.js';
import { readDecision } from './store.js';
import type { Proposal, QueueSource } from './schema.js';

/**
 * The first proposal of `source` that is still undecided and that `matches` accepts: what an
 * identical resubmission re-attaches to instead of queueing a duplicate. Files the store
 * refuses (malformed, foreign tool, foreign folder) never match; they are reported to `onSkip`.
 */
export async function findUndecided(
  queueDir: string,
  source: QueueSource,
  matches: (proposal: Proposal) => boolean,
  onSkip: (file: string, reason: string) => void = () => {},
): Promise<Proposal | undefined> {
  for (const pending of await listPending(queueDir, onSkip)) {
    if (pending.source !== source || !matches(pending.proposal)) continue;
    if ((await readDecision(queueDir, pending.proposal.id)) === undefined) return pending.proposal;
  }
  return undefined;
}
