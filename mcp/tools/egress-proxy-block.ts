import { z } from 'zod';
import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import { formatYamlIssue } from '../../lib/yaml-schema.js';
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
import { PROPOSAL_ANNOTATIONS, WAIT_NOTE } from './common.js';

export const EgressProxyBlockInputSchema = z.strictObject({
  routes_yaml: fileTextSchema('routes_yaml').describe(
    'the FULL proposed routes.yaml: the current file with your change applied',
  ),
  justification: JustificationSchema.describe('why the agent needs this access'),
});

/** Routes compare by meaning: comments, key order and defaults do not make a new proposal. */
function routesKey(routesYaml: unknown, base: unknown): string | undefined {
  if (typeof routesYaml !== 'string') return undefined;
  const parsed = parseRoutes(routesYaml);
  return parsed.ok ? JSON.stringify([parsed.routes, base]) : undefined;
}

export function registerEgressProxyBlockTool(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'egress-proxy-block',
    {
      title: 'Propose egress routes',
      description: [
        'Ask the operator to let the bottle reach more of the network.',
        'Use it when the egress proxy refused a request (HTTP 403 from the proxy).',
        'Read the current /etc/claude-bottle/current-config/routes.yaml (also the resource',
        'claude-bottle://live-config/routes.yaml), add or widen the route you need, and send the',
        "whole file. It is checked with the proxy's own parser before it is queued.",
        WAIT_NOTE,
      ].join(' '),
      inputSchema: EgressProxyBlockInputSchema,
      outputSchema: OutcomeSchema,
      annotations: PROPOSAL_ANNOTATIONS,
    },
    async (args, extra) => {
      const parsed = parseRoutes(args.routes_yaml, 'routes.yaml');
      if (!parsed.ok) {
        return refusal(
          `the proposed routes.yaml is invalid:\n${parsed.issues.map(formatYamlIssue).join('\n')}`,
          'fix the lines named above and call egress-proxy-block again with the whole file',
        );
      }
      const base = await liveFileSha256(ctx, 'routes');
      return submitAndAwait(
        ctx,
        {
          tool: 'egress-proxy-block',
          justification: args.justification,
          payload: { routes_yaml: args.routes_yaml, base_sha256: base },
          key: routesKey(args.routes_yaml, base)!,
          keyOf: (payload) => routesKey(payload.routes_yaml, payload.base_sha256),
        },
        extra,
      );
    },
  );
}
