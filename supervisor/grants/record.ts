import { randomBytes } from 'node:crypto';
import type { Grant } from '../../images/egress-proxy/routes/schema.js';
import { BottleError } from '../../lib/errors.js';
import type { Decision, ProposalTool } from '../../mcp/queue/schema.js';
import type { AuditLine } from '../audit/chain.js';
import { describeLifetime, shortMs, type Lifetime } from './lifetime.js';

/** A decision's `grant` (mcp/queue/schema.ts): how long the approval lasts. */
export type GrantRecord = NonNullable<Decision['grant']>;

/** What each tool's approval can be limited to; the rest is refused before anything is claimed. */
const LIFETIMES: Record<ProposalTool, readonly Lifetime['kind'][]> = {
  'egress-proxy-block': ['once', 'for', 'bottle', 'permanent'],
  'egress-token-allow': ['once', 'for', 'bottle'],
  'capability-block': ['bottle'],
  'gitleaks-allow': ['bottle'],
};

/** The tools whose approval can be time-boxed (TUI `g`). */
export const GRANTABLE_TOOLS: readonly ProposalTool[] = (
  Object.keys(LIFETIMES) as ProposalTool[]
).filter((tool) => LIFETIMES[tool].includes('for'));

const WHY_NOT: Partial<Record<ProposalTool, string>> = {
  'egress-token-allow':
    'a token allowance lives in the running proxy and is never written to the manifest',
  'capability-block':
    'a Dockerfile change rebuilds the agent image; it lasts until the next change (edit the bottle’s Dockerfile in the home to keep it)',
  'gitleaks-allow': 'an allowlist entry is either at git-gate or not; it cannot run out',
};

export function refuseLifetime(tool: ProposalTool, lifetime: Lifetime | undefined): void {
  if (!lifetime || LIFETIMES[tool].includes(lifetime.kind)) return;
  throw new BottleError(
    'USAGE',
    `${tool} cannot be approved ${describeLifetime(lifetime)}: ${WHY_NOT[tool] ?? 'not supported'}`,
    { hint: `approve it without ${lifetime.kind === 'for' ? '--for' : `--${lifetime.kind}`}` },
  );
}

/** The record a decision and its audit line carry; none for the default (the bottle's life). */
export function grantRecord(lifetime: Lifetime, grant: Grant | undefined): GrantRecord | undefined {
  if (lifetime.kind === 'bottle') return undefined;
  return {
    id: grant?.id ?? `g-${randomBytes(6).toString('hex')}`,
    lifetime: lifetime.kind,
    ...(grant?.expires_at ? { expires_at: grant.expires_at } : {}),
    ...(grant?.uses ? { uses: grant.uses } : {}),
  };
}

export function auditGrant(grant: GrantRecord): NonNullable<AuditLine['grant']> {
  return {
    id: grant.id,
    lifetime: grant.lifetime,
    ...(grant.expires_at ? { expires_at: grant.expires_at } : {}),
    ...(grant.uses ? { uses: grant.uses } : {}),
  };
}

/** "once (g-…, until 10:30:00Z)", "for 30m (g-…, until …)", "permanently (g-…)". */
export function grantText(grant: GrantRecord, now = Date.now()): string {
  const what =
    grant.lifetime === 'once'
      ? 'once'
      : grant.lifetime === 'permanent'
        ? 'permanently'
        : grant.expires_at
          ? `for ${shortMs(Date.parse(grant.expires_at) - now)}`
          : grant.lifetime;
  return `${what} (${grant.id}${grant.expires_at ? `, until ${grant.expires_at}` : ''})`;
}
