import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import { BottleError } from '../../lib/errors.js';
import { formatYamlIssue } from '../../lib/yaml-schema.js';
import { LIMITS } from '../../mcp/queue/schema.js';
import { grantedRoutes } from '../grants/routes.js';
import { readLive } from './live-config-writer.js';
import { applyRoutes } from './proxy-reload.js';
import type { Engine } from './types.js';

/** Validates routes text exactly as the MCP tool does, with the proxy's own parser. */
export function checkRoutesText(text: string, file: string): void {
  if (Buffer.byteLength(text, 'utf8') > LIMITS.fileBytes) {
    throw new BottleError(
      'ROUTES_INVALID',
      `${file} is larger than ${LIMITS.fileBytes / 1024} KiB`,
      {
        hint: 'shorten it',
      },
    );
  }
  const parsed = parseRoutes(text, file);
  if (!parsed.ok) {
    throw new BottleError('ROUTES_INVALID', parsed.issues.map(formatYamlIssue).join('\n'), {
      hint: 'fix the lines named above (format: docs/egress-proxy.md); nothing was changed',
    });
  }
}

/** egress-proxy-block: the proposed (or operator-modified) routes.yaml, live and confirmed. */
export const egressProxyApply: Engine<'egress-proxy-block'> = {
  tool: 'egress-proxy-block',
  reportOnly: false,
  editableText: (proposal) => proposal.payload.routes_yaml,
  async apply({ bottle, proposal, editedText, grant }, deps) {
    const approved = editedText ?? proposal.payload.routes_yaml;
    checkRoutesText(
      approved,
      editedText === undefined ? 'the proposed routes.yaml' : 'the edited routes.yaml',
    );
    const live = await readLive(bottle.layout, 'routes');
    if (live.sha256 !== proposal.payload.base_sha256) {
      return {
        kind: 'stale',
        message: `live-config/routes.yaml changed after this proposal was made against it (live sha256 ${live.sha256.slice(0, 12)}…, expected ${proposal.payload.base_sha256.slice(0, 12)}…)`,
      };
    }
    // Always through the grant logic, time-boxed or not: it keeps live grants and drops any
    // `grant` the agent wrote itself.
    const { text } = grantedRoutes(live.text, approved, grant);
    const outcome = await applyRoutes(bottle, text, proposal.payload.base_sha256, deps);
    if (outcome.kind === 'applied' && editedText !== undefined)
      return { ...outcome, modifiedPayload: { routes_yaml: editedText } };
    return outcome;
  },
};
