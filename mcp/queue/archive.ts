import { mkdir, unlink } from 'node:fs/promises';
import { writeFileExclusive } from '../../lib/atomic-write.js';
import { queuePaths } from './paths.js';
import { readJsonFile, type ReadResult } from './read-json.js';
import {
  ArchiveNoteSchema,
  LIMITS,
  PROPOSAL_ID_PATTERN,
  ProposalSchema,
  type ArchiveNote,
  type Proposal,
  type QueueSource,
} from './schema.js';

/**
 * Moves a consumed proposal out of pending/: `archive/<id>.json` is created exclusively with
 * the proposal as it was decided (the caller's copy, never a re-read of a file a sidecar could
 * have rewritten meanwhile) plus a note saying why, then the pending file goes. An archive
 * record is written once: a proposal re-planted under a decided id is only removed.
 * Returns false when the record already existed.
 */
export async function archiveProposal(
  queueDir: string,
  source: QueueSource,
  proposal: Proposal,
  note: ArchiveNote,
): Promise<boolean> {
  const paths = queuePaths(queueDir);
  await mkdir(paths.archive, { recursive: true });
  const record = { ...ProposalSchema.parse(proposal), archived: ArchiveNoteSchema.parse(note) };
  const created = await writeFileExclusive(
    paths.archiveFile(proposal.id),
    `${JSON.stringify(record, null, 2)}\n`,
  );
  await unlink(paths.pendingFile(source, proposal.id)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return created;
}

/** Reads `archive/<id>.json`: the proposal as it was decided plus its archive note. */
export async function readArchived(
  queueDir: string,
  id: string,
): Promise<ReadResult<{ proposal: Proposal; note: ArchiveNote | undefined }>> {
  if (!PROPOSAL_ID_PATTERN.test(id)) return { ok: false, reason: 'not a proposal id' };
  const parsed = await readJsonFile(queuePaths(queueDir).archiveFile(id), LIMITS.proposalFileBytes);
  if (!parsed.ok) return parsed;
  const proposal = ProposalSchema.safeParse(parsed.value.json);
  if (!proposal.success || proposal.data.id !== id)
    return { ok: false, reason: 'not a valid archived proposal' };
  const note = ArchiveNoteSchema.safeParse((parsed.value.json as { archived?: unknown }).archived);
  return {
    ok: true,
    value: { proposal: proposal.data, note: note.success ? note.data : undefined },
  };
}
