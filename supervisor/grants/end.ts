import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import { appendAudit } from '../audit/log.js';
import { readLive } from '../engines/live-config-writer.js';
import { applyRoutes } from '../engines/proxy-reload.js';
import type { EngineDeps } from '../engines/types.js';
import { listBottles, openBottle, type BottleRef } from '../queue/bottles.js';
import { withoutGrants } from './routes.js';
import { grantHistory, liveGrants, type LiveGrant } from './live.js';

type Ending = 'grant-expired' | 'grant-used' | 'revoked';

/**
 * Tidies the grants that ended by themselves: their rules leave routes.yaml (applied live and
 * confirmed like any change) and each ending is one audit line. The proxy stopped applying
 * them at their deadline already; this only makes the file and the record say so. Returns the
 * ids ended, and the soonest deadline still ahead (for the watcher's next wake-up).
 */
export async function sweepGrants(
  bottle: BottleRef,
  operator: string,
  deps: EngineDeps,
): Promise<{ ended: string[]; next: number }> {
  const now = deps.now().getTime();
  const grants = await liveGrants(bottle, now);
  const done = grants.filter((grant) => grant.ended !== undefined);
  const next = grants
    .filter((grant) => grant.ended === undefined && grant.expires_at !== undefined)
    .map((grant) => Date.parse(grant.expires_at!))
    .reduce((soonest, at) => Math.min(soonest, at), Infinity);
  if (done.length === 0) return { ended: [], next };
  const ended = await endGrants(bottle, done, operator, deps, (grant) =>
    grant.ended!.includes('admitted') ? 'grant-used' : 'grant-expired',
  );
  return { ended, next };
}

/** `claude-bottle revoke <grant>`: ends one grant now, in whichever bottle holds it. */
export async function revokeGrant(
  home: string,
  id: string,
  options: { slug?: string; operator: string; reason: string },
  deps: EngineDeps,
): Promise<{ slug: string; grant: LiveGrant }> {
  const bottles = options.slug
    ? [await openBottle(home, options.slug)]
    : (await listBottles(home)).bottles;
  for (const bottle of bottles) {
    const grant = (await liveGrants(bottle, deps.now().getTime())).find((g) => g.id === id);
    if (!grant) continue;
    await endGrants(bottle, [grant], options.operator, deps, () => 'revoked', options.reason);
    return { slug: bottle.slug, grant };
  }
  const history = await Promise.all(bottles.map((b) => grantHistory(b)));
  const over = history.some((h) => h.ended.has(id));
  throw new BottleError(
    'NOT_FOUND',
    over ? `grant ${id} has already ended` : `no live grant ${id}`,
    { hint: 'run `claude-bottle grants <slug>` to see the live ones' },
  );
}

async function endGrants(
  bottle: BottleRef,
  grants: LiveGrant[],
  operator: string,
  deps: EngineDeps,
  ending: (grant: LiveGrant) => Ending,
  why?: string,
): Promise<string[]> {
  const routes = grants.filter((g) => g.kind === 'route');
  let sha: { before?: string; after?: string } = {};
  if (routes.length > 0) {
    const live = await readLive(bottle.layout, 'routes');
    const text = withoutGrants(live.text, new Set(routes.map((g) => g.id)));
    const outcome = await applyRoutes(bottle, text, live.sha256, deps);
    if (outcome.kind !== 'applied') {
      // The proxy already refuses an expired or spent grant; a revoked one is refused by
      // nothing else, so say so loudly.
      throw new BottleError(
        'APPLY_FAILED',
        `the grants' rules could not be removed: ${outcome.message}`,
        {
          hint: 'try again; `claude-bottle grants <slug>` shows what is still live',
        },
      );
    }
    sha = { before: outcome.sha256Before, after: outcome.sha256After };
  }
  for (const grant of grants.filter((g) => g.kind === 'token' && g.proposal_id)) {
    const marker = bottle.layout.queue.revokedFile(grant.proposal_id!);
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, `${deps.now().toISOString()}\n`, { mode: 0o644 });
  }
  for (const grant of grants) {
    const result = ending(grant);
    await appendAudit(
      bottle.layout,
      {
        ...(grant.proposal_id ? { proposal_id: grant.proposal_id } : {}),
        tool: grant.kind === 'route' ? 'egress-proxy-block' : 'egress-token-allow',
        decision: 'grant-ended',
        reason: why ?? grant.ended ?? result,
        operator,
        ...(grant.kind === 'route' && sha.before ? { sha256_before: sha.before } : {}),
        ...(grant.kind === 'route' && sha.after ? { sha256_after: sha.after } : {}),
        result,
        message: grant.what,
        grant: {
          id: grant.id,
          lifetime: grant.lifetime,
          ...(grant.expires_at ? { expires_at: grant.expires_at } : {}),
          ...(grant.uses ? { uses: grant.uses } : {}),
        },
      },
      deps.now(),
    );
  }
  return grants.map((g) => g.id);
}
