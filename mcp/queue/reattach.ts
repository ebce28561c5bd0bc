import { listPending } from './store.js';
import { readDecision } from './store.js';
import type { Proposal, QueueSource } from './schema.js';

/**
 * The proposals of `source` that are still undecided, oldest first: what an identical
 * resubmission re-attaches to, and what the limiter counts. Files the store refuses
 * (malformed, foreign tool, foreign folder) are left out and reported to `onSkip`.
 */
export async function listUndecided(
  queueDir: string,
  source: QueueSource,
  onSkip: (file: string, reason: string) => void = () => {},
): Promise<Proposal[]> {
  const undecided: Proposal[] = [];
  for (const pending of await listPending(queueDir, onSkip)) {
    if (pending.source !== source) continue;
    if ((await readDecision(queueDir, pending.proposal.id)) === undefined)
      undecided.push(pending.proposal);
  }
  return undecided;
}
