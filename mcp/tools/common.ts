import type { ToolAnnotations } from '../sdk.js';

/**
 * Proposal tools write to the queue (not read-only), never change anything themselves (not
 * destructive), re-attach identical submissions (idempotent) and touch only this bottle.
 */
export const PROPOSAL_ANNOTATIONS: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

export const WAIT_NOTE =
  'The call blocks until a human operator approves or rejects (progress is reported while it waits); ' +
  'if it returns status "pending", call await-proposal with the proposal_id instead of submitting again. ' +
  'Submitting identical arguments again re-attaches to the queued proposal; submitting different ' +
  'arguments to the same tool replaces your undecided earlier proposal of that tool (that call ' +
  'returns status "superseded" with superseded_by naming the new one).';
