import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRoutes, sha256 } from '../../images/egress-proxy/routes/parse.js';
import type { Route } from '../../images/egress-proxy/routes/schema.js';
import { planProviderRoute, type SignIn } from '../../launcher/credentials/provider-route.js';
import { manifestSha256 } from '../../launcher/manifest/digest.js';
import {
  loadManifests,
  MANIFEST_NAME_PATTERN,
  type LoadedBottle,
} from '../../launcher/manifest/index.js';
import type { StateLayout } from '../../launcher/state/layout.js';
import type { Metadata } from '../../launcher/state/metadata.js';
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
  /** A route item's host (how routes are matched between the two sides). */
  host?: string;
}

export interface PolicyDiff {
  slug: string;
  manifest: string;
  /** Whether the manifest was edited since the bottle started (null: start recorded no sha256). */
  manifest_changed: boolean | null;
  items: PolicyItem[];
}

/** A policy diff and what `--write` needs to turn its route items into a manifest change. */
export interface PolicyState {
  diff: PolicyDiff;
  bottle: LoadedBottle;
  /** The manifest's text the diff was computed from: what a write expects to replace. */
  manifestText: string;
  live: Route[];
  signIn: SignIn | undefined;
  metadata: Metadata;
  layout: StateLayout;
}

const ROUTE_TOOLS = ['egress-proxy-block', 'routes-edit'];

/**
 * Compares a bottle's live-config/ with what its manifest would start: the routes through the
 * launcher's own routesYaml() (with the provider route for the sign-in metadata.json records),
 * so "what the manifest would start" is computed by the code `start` runs.
 */
export async function policyDiff(home: string, cwd: string, slug: string): Promise<PolicyDiff> {
  return (await policyState(home, cwd, slug)).diff;
}

export async function policyState(
  home: string,
  cwd: string,
  slug: string,
  env?: NodeJS.ProcessEnv,
): Promise<PolicyState> {
  const bottleRef = await openBottle(home, slug);
  // Read once and loaded from that text: the diff, the sha256 and a later write agree on it.
  const file = join(home, 'bottles', `${bottleRef.metadata.bottle}.md`);
  const manifestText = MANIFEST_NAME_PATTERN.test(bottleRef.metadata.bottle)
    ? await readFile(file, 'utf8').catch(() => undefined)
    : undefined;
  const set = await loadManifests({
    home,
    cwd,
    env,
    ...(manifestText !== undefined ? { overrides: new Map([[file, manifestText]]) } : {}),
  });
  const bottle = set.bottles.find((b) => b.name === bottleRef.metadata.bottle);
  if (!bottle || manifestText === undefined) {
    throw new BottleError(
      'MANIFEST_NOT_FOUND',
      `bottle ${slug} was started from manifest "${bottleRef.metadata.bottle}", which is gone or invalid in ${home}/bottles/`,
      { hint: 'run `claude-bottle manifest check` to see why' },
    );
  }
  const signIn = bottleRef.metadata.sign_in ?? undefined;
  const plan = planProviderRoute(bottle, signIn);
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
    host: item.host,
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
  const recorded = bottleRef.metadata.manifest_sha256;
  return {
    diff: {
      slug,
      manifest: bottle.file,
      manifest_changed: recorded === undefined ? null : recorded !== manifestSha256(manifestText),
      items,
    },
    bottle,
    manifestText,
    live: live.routes.routes,
    signIn,
    metadata: bottleRef.metadata,
    layout: bottleRef.layout,
  };
}
