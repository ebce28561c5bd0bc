import { z } from 'zod';
import { FINDING_ID_PATTERN } from '../../images/git-gate/finding.js';
import type { ServerContext } from '../context.js';
import { JustificationSchema, refusal } from '../proposals/inputs.js';
import { OutcomeSchema } from '../proposals/outcome.js';
import { submitAndAwait } from '../proposals/submit.js';
import type { McpServer } from '../sdk.js';
import { loadFindings } from '../validate/findings.js';
import { PROPOSAL_ANNOTATIONS, WAIT_NOTE } from './common.js';

const MAX_FINDINGS = 100;

export const GitleaksAllowInputSchema = z.strictObject({
  finding_ids: z
    .array(
      z.string().regex(FINDING_ID_PATTERN, {
        message: 'a finding id looks like f-0123456789abcdef, as git-gate printed it',
      }),
    )
    .min(1, 'name at least one finding id')
    .max(MAX_FINDINGS, `at most ${MAX_FINDINGS} finding ids per proposal`)
    .describe('ids of findings that git-gate reported when it refused your push'),
  justification: JustificationSchema.describe(
    'why each finding is not a secret (a test fixture, a public example key, ...)',
  ),
});

function idsKey(ids: unknown): string | undefined {
  return Array.isArray(ids) ? JSON.stringify([...new Set(ids.map(String))].sort()) : undefined;
}

export function registerGitleaksAllowTool(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'gitleaks-allow',
    {
      title: 'Ask to allow gitleaks findings',
      description: [
        'Ask the operator to allowlist findings that made git-gate refuse a push, when they are',
        "not real secrets. Only ids the gate recorded are accepted; the operator sees the gate's",
        'own records, not your description of them. If a finding is a real secret, remove it from',
        'the history instead.',
        WAIT_NOTE,
      ].join(' '),
      inputSchema: GitleaksAllowInputSchema,
      outputSchema: OutcomeSchema,
      annotations: PROPOSAL_ANNOTATIONS,
    },
    async (args, extra) => {
      const ids = [...new Set(args.finding_ids)].sort();
      const loaded = await loadFindings(ctx.findingsDir, ids);
      if (!loaded.ok) {
        const parts = [
          loaded.unknown.length > 0 ? `unknown finding id(s): ${loaded.unknown.join(', ')}` : '',
          loaded.unreadable.length > 0
            ? `finding record(s) that cannot be read: ${loaded.unreadable.join(', ')}`
            : '',
        ].filter(Boolean);
        return refusal(
          parts.join('; '),
          'use the ids git-gate printed when it refused your push (push again to see them)',
        );
      }
      return submitAndAwait(
        ctx,
        {
          tool: 'gitleaks-allow',
          justification: args.justification,
          payload: { finding_ids: ids, findings: loaded.findings },
          key: idsKey(ids)!,
          keyOf: (payload) => idsKey(payload.finding_ids),
        },
        extra,
      );
    },
  );
}
