import { z } from 'zod';
import type { ServerContext } from '../context.js';
import {
  fileTextSchema,
  JustificationSchema,
  liveFileSha256,
  refusal,
} from '../proposals/inputs.js';
import { OutcomeSchema } from '../proposals/outcome.js';
import { submitAndAwait } from '../proposals/submit.js';
import type { McpServer } from '../sdk.js';
import { agentDockerfileIssues } from '../validate/agent-image.js';
import { formatDockerfileIssue } from '../validate/dockerfile.js';
import { PROPOSAL_ANNOTATIONS, WAIT_NOTE } from './common.js';

export const CapabilityBlockInputSchema = z.strictObject({
  dockerfile: fileTextSchema('dockerfile').describe(
    'the FULL proposed Dockerfile: the current one with your change applied',
  ),
  justification: JustificationSchema.describe('why the agent needs this capability'),
});

/** Line endings and trailing blanks do not make a different Dockerfile. */
function dockerfileKey(dockerfile: unknown, base: unknown): string | undefined {
  if (typeof dockerfile !== 'string') return undefined;
  const normalized = dockerfile
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();
  return JSON.stringify([normalized, base]);
}

export function registerCapabilityBlockTool(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'capability-block',
    {
      title: 'Propose a new agent image',
      description: [
        'Ask the operator to rebuild the agent container with more tools or packages.',
        'Read the current /etc/claude-bottle/current-config/Dockerfile (also the resource',
        'claude-bottle://live-config/Dockerfile), change it, and send the whole file. It is',
        'parsed (known instructions, FROM first) before it is queued; on approval the bottle is',
        'rebuilt on the same branch with the workspace kept.',
        WAIT_NOTE,
      ].join(' '),
      inputSchema: CapabilityBlockInputSchema,
      outputSchema: OutcomeSchema,
      annotations: PROPOSAL_ANNOTATIONS,
    },
    async (args, extra) => {
      const issues = agentDockerfileIssues(args.dockerfile);
      if (issues.length > 0) {
        return refusal(
          `the proposed Dockerfile is invalid:\n${issues.map(formatDockerfileIssue).join('\n')}`,
          'fix the lines named above and call capability-block again with the whole file',
        );
      }
      const base = await liveFileSha256(ctx, 'dockerfile');
      return submitAndAwait(
        ctx,
        {
          tool: 'capability-block',
          justification: args.justification,
          payload: { dockerfile: args.dockerfile, base_sha256: base },
          key: dockerfileKey(args.dockerfile, base)!,
          keyOf: (payload) => dockerfileKey(payload.dockerfile, payload.base_sha256),
        },
        extra,
      );
    },
  );
}
