import { parseRoutes, sha256 } from '../../images/egress-proxy/routes/parse.js';
import { planProviderRoute } from '../../launcher/credentials/provider-route.js';
import { loadManifests } from '../../launcher/manifest/index.js';
import { routesYaml } from '../../launcher/state/live-config.js';
import { BottleError } from '../../lib/errors.js';
import { readAudit } from '../audit/log.js';
import { readLive } from '../engines/live-config-writer.js';
import { openBottle } from '../queue/bottles.js';
import { diffAllowlist } from './allowlist-diff.js';
import { attributeProposal, attributeSha, auditLines, type Attribution } from './attribution.js';
import { diffRoutes } from './route-diff.js';

/** One line of `policy diff`: what the live config holds beyond (or short of) the manifest. */
export interface PolicyItem extends Attribution {
  kind: 'route' | 'gitleaks-allowlist' | 'dockerfile';
  change: string;
  detail: string;
}

export interface PolicyDiff {
  slug: string;
  manifest: string;
  items: PolicyItem[];
}

const ROUTE_TOOLS = ['egress-proxy-block', 'routes-edit'];

/**
 * Compares a bottle's live-config/ with what its manifest would start: the routes through the
 * launcher's own routesYaml() (with the provider route for the sign-in metadata.json records),
 * so "what the manifest would start" is computed by the code `start` runs.
 */
export async function policyDiff(home: string, cwd: string, slug: string): Promise<PolicyDiff> {
  const bottleRef = await openBottle(home, slug);
  const set = await loadManifests({ home, cwd });
  const bottle = set.bottles.find((b) => b.name === bottleRef.metadata.bottle);
  if (!bottle) {
    throw new BottleError(
      'MANIFEST_NOT_FOUND',
      `bottle ${slug} was started from manifest "${bottleRef.metadata.bottle}", which is gone or invalid in ${home}/bottles/`,
      { hint: 'run `claude-bottle manifest check` to see why' },
    );
  }
  const plan = planProviderRoute(bottle, bottleRef.metadata.sign_in ?? undefined);
  const planned = parseRoutes(routesYaml(bottle, plan));
  const liveText = (await readLive(bottleRef.layout, 'routes')).text;
  const live = parseRoutes(liveText);
  if (!planned.ok || !live.ok) {
    throw new BottleError('ROUTES_INVALID', `live-config/routes.yaml of ${slug} does not parse`, {
      hint: 'fix it with `claude-bottle routes edit`',
    });
  }
  const lines = auditLines((await readAudit(bottleRef.layout)).text);
  const routeWho = attributeSha(lines, ROUTE_TOOLS, sha256(liveText));
  const items: PolicyItem[] = diffRoutes(planned.routes.routes, live.routes.routes).map((item) => ({
    kind: 'route',
    change: item.change,
    detail: `${item.host}: ${item.detail}`,
    ...routeWho,
  }));
  const allowlist = (await readLive(bottleRef.layout, 'gitleaksAllowlist')).text;
  for (const entry of diffAllowlist(allowlist)) {
    items.push({
      kind: 'gitleaks-allowlist',
      change: 'added',
      detail: entry.fingerprint,
      ...attributeProposal(lines, entry.proposalId),
    });
  }
  const dockerfile = lines.filter(
    (l) => l.tool === 'capability-block' && l.decision === 'approved' && l.result === 'applied',
  );
  for (const line of dockerfile) {
    items.push({
      kind: 'dockerfile',
      change: 'changed',
      detail: `live-config/Dockerfile ${line.sha256_before?.slice(0, 12) ?? '?'} → ${line.sha256_after?.slice(0, 12) ?? '?'}`,
      ...attributeProposal(lines, line.proposal_id),
    });
  }
  return { slug, manifest: bottle.file, items };
}
