import { existsSync, readFileSync } from 'node:fs';
import { countGrantUses, grantEnded } from '../../images/egress-proxy/grants.js';
import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import type { Grant, Route } from '../../images/egress-proxy/routes/schema.js';
import { readArchived } from '../../mcp/queue/archive.js';
import { AuditLineSchema, type AuditLine } from '../audit/chain.js';
import { readAudit } from '../audit/log.js';
import { readLive } from '../engines/live-config-writer.js';
import type { BottleRef } from '../queue/bottles.js';

/** One grant with a lifetime, as `grants <slug>` lists it. */
export interface LiveGrant {
  id: string;
  kind: 'route' | 'token';
  /** What it admits: `GET,HEAD registry.npmjs.org /pkg` or `a token to api.example.test`. */
  what: string;
  lifetime: 'once' | 'for';
  expires_at?: string;
  uses?: number;
  used?: number;
  /** Why it no longer admits anything, while its rule still waits to be removed. */
  ended?: string;
  /** The proposal whose approval made it, from the audit line. */
  proposal_id?: string;
  granted_by?: string;
  granted_at?: string;
}

/** The grant-uses ledger as counts; a missing file is no uses. */
export function grantUses(file: string): Map<string, number> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // not written yet: no uses
  }
  return countGrantUses(text);
}

/** The audit lines that made (approved with a grant) or ended a grant, by grant id. */
export async function grantHistory(
  bottle: BottleRef,
): Promise<{ made: Map<string, AuditLine>; ended: Map<string, AuditLine> }> {
  const made = new Map<string, AuditLine>();
  const ended = new Map<string, AuditLine>();
  const { text } = await readAudit(bottle.layout);
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      continue;
    }
    const line = AuditLineSchema.safeParse(value);
    if (!line.success || !line.data.grant) continue;
    if (line.data.decision === 'grant-ended') ended.set(line.data.grant.id, line.data);
    else if (line.data.decision === 'approved') made.set(line.data.grant.id, line.data);
  }
  return { made, ended };
}

/** Every grant of a bottle that still admits something or waits to be removed. */
export async function liveGrants(bottle: BottleRef, now: number): Promise<LiveGrant[]> {
  const out: LiveGrant[] = [];
  const history = await grantHistory(bottle);
  const uses = grantUses(bottle.layout.grantUses);
  const routes = parseRoutes((await readLive(bottle.layout, 'routes')).text);
  const seen = new Set<string>();
  for (const route of routes.ok ? routes.routes.routes : []) {
    const grant = route.grant;
    if (!grant) continue;
    const entry = out.find((g) => g.id === grant.id);
    if (entry) {
      entry.what = `${entry.what}; ${routeText(route)}`;
      continue;
    }
    seen.add(grant.id);
    out.push({
      id: grant.id,
      kind: 'route',
      what: routeText(route),
      ...grantFields(grant, history.made.get(grant.id)),
      ...(grant.uses === undefined ? {} : { used: uses.get(grant.id) ?? 0 }),
      ...endedField(grantEnded(grant, now, uses.get(grant.id) ?? 0)),
    });
  }
  for (const [id, line] of history.made) {
    if (seen.has(id) || history.ended.has(id) || line.tool !== 'egress-token-allow') continue;
    const grant = line.grant!;
    if (grant.lifetime !== 'for' || !grant.expires_at) continue;
    const revoked =
      line.proposal_id !== undefined &&
      existsSync(bottle.layout.queue.revokedFile(line.proposal_id));
    out.push({
      id,
      kind: 'token',
      what: await tokenText(bottle, line.proposal_id),
      ...grantFields({ id, expires_at: grant.expires_at }, line),
      ...endedField(
        revoked
          ? `grant ${id} was revoked`
          : Date.parse(grant.expires_at) <= now
            ? `grant ${id} expired at ${grant.expires_at}`
            : undefined,
      ),
    });
  }
  return out;
}

/** `a github-pat value to api.example.test`, from the archived proposal (the trusted copy). */
async function tokenText(bottle: BottleRef, proposalId: string | undefined): Promise<string> {
  if (proposalId === undefined) return 'a held token';
  const archived = await readArchived(bottle.layout.queue.root, proposalId);
  if (!archived.ok || archived.value.proposal.tool !== 'egress-token-allow')
    return `the token of ${proposalId}`;
  const { detector, host } = archived.value.proposal.payload;
  return `a ${detector} value to ${host}`;
}

function grantFields(grant: Grant, made: AuditLine | undefined) {
  return {
    lifetime: grant.uses !== undefined ? ('once' as const) : ('for' as const),
    ...(grant.expires_at ? { expires_at: grant.expires_at } : {}),
    ...(grant.uses === undefined ? {} : { uses: grant.uses }),
    ...(made?.proposal_id ? { proposal_id: made.proposal_id } : {}),
    ...(made ? { granted_by: made.operator, granted_at: made.ts } : {}),
  };
}

function endedField(ended: string | undefined) {
  return ended === undefined ? {} : { ended };
}

/** `GET,HEAD registry.npmjs.org /pkg,/-/v1`: a rule on one line. */
export function routeText(route: Route): string {
  const methods = route.methods ? `${route.methods.join(',')} ` : '';
  const paths = route.paths ? ` ${route.paths.join(',')}` : '';
  const auth = route.auth ? ` (injects ${route.auth.secret})` : '';
  return `${methods}${route.host}${paths}${auth}`;
}
