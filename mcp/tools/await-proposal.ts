import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { outcomeResult, refusal } from '../proposals/inputs.js';
import { OutcomeSchema, supersededOutcome } from '../proposals/outcome.js';
import { awaitOutcome, supersederOf } from '../proposals/wait.js';
import { findPending, readDecision } from '../queue/store.js';
import { AGENT_TOOLS } from '../queue/schema.js';
import type { McpServer } from '../sdk.js';

export const AwaitProposalInputSchema = z.strictObject({
  proposal_id: z
    .string()
    .regex(/^agent-\d{8}T\d{6}Z-[0-9a-f]{8}$/, {
      message: 'a proposal id looks like agent-20260101T120000Z-0123abcd, as a tool returned it',
    })
    .describe('the proposal_id a proposal tool returned with status "pending"'),
});

export function registerAwaitProposalTool(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'await-proposal',
    {
      title: 'Wait for a queued proposal',
      description: [
        "Keep waiting for the operator's decision on a proposal that an earlier call returned as",
        '"pending". Blocks the same way (with progress) and returns the same result shape; it',
        'never changes or withdraws the proposal. A proposal replaced by a newer one of the same',
        'tool returns status "superseded" with superseded_by naming it.',
      ].join(' '),
      inputSchema: AwaitProposalInputSchema,
      outputSchema: OutcomeSchema,
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ proposal_id: id }, extra) => {
      const pending = await findPending(ctx.queueDir, id);
      if (!pending && (await readDecision(ctx.queueDir, id)) === undefined) {
        // Archived undecided because a newer proposal replaced it: say which, not "unknown".
        const by = await supersederOf(ctx, id);
        if (by !== undefined) return outcomeResult(undefined, supersededOutcome(id, by));
        return refusal(
          `there is no proposal ${id} in this bottle's queue`,
          'pass the proposal_id exactly as a proposal tool returned it',
        );
      }
      const tool = AGENT_TOOLS.find((name) => name === pending?.proposal.tool);
      return outcomeResult(tool, await awaitOutcome(ctx, id, extra));
    },
  );
}
