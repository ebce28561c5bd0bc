import { parseReloadEvent, type ReloadEvent } from '../../images/egress-proxy/reload-events.js';
import { BottleError } from '../../lib/errors.js';
import type { BottleRef } from '../queue/bottles.js';
import { replaceLiveConfig, restoreLiveConfig } from './live-config-writer.js';
import type { ApplyOutcome, EngineDeps } from './types.js';

const DEFAULT_CONFIRM_MS = 10_000;

/**
 * Writes routes.yaml and makes the running proxy enforce it: follow the proxy's log, replace the
 * file (refused when its base moved on), SIGHUP through the engine API, and wait for the proxy's
 * own `routes_loaded` line naming the new file's sha256. A refusal or no answer in time puts
 * the old file back (and signals again), so the bottle is never left between two configs.
 */
export async function applyRoutes(
  bottle: BottleRef,
  text: string,
  expectSha256: string,
  deps: EngineDeps,
): Promise<ApplyOutcome> {
  const docker = deps.docker();
  const proxy = (await docker.projectContainers(bottle.metadata.compose_project)).find(
    (c) => c.service === 'egress-proxy' && c.state === 'running',
  );
  if (!proxy) {
    const replaced = await replaceOrStale(bottle, text, expectSha256);
    if ('stale' in replaced) return replaced.stale;
    return {
      kind: 'applied',
      message:
        'the bottle is not running; the new routes are in live-config and apply when it resumes',
      sha256Before: replaced.before,
      sha256After: replaced.after,
    };
  }
  const events: ReloadEvent[] = [];
  let wake: () => void = () => {};
  const follow = await docker.followLogs(proxy.id, deps.now(), (line) => {
    const event = parseReloadEvent(line);
    if (event) {
      events.push(event);
      wake();
    }
  });
  try {
    const replaced = await replaceOrStale(bottle, text, expectSha256);
    if ('stale' in replaced) return replaced.stale;
    await docker.signalContainer(proxy.id, 'SIGHUP');
    const deadline = Date.now() + (deps.confirmTimeoutMs ?? DEFAULT_CONFIRM_MS);
    for (;;) {
      const refusal = events.find((e) => e.event === 'routes_invalid');
      if (events.some((e) => e.event === 'routes_loaded' && e.sha256 === replaced.after)) {
        deps.progress(`egress-proxy reloaded routes ${replaced.after.slice(0, 12)}`);
        return {
          kind: 'applied',
          message: `the proxy enforces the new routes (sha256 ${replaced.after.slice(0, 12)}…)`,
          sha256Before: replaced.before,
          sha256After: replaced.after,
        };
      }
      const left = deadline - Date.now();
      if (refusal || left <= 0) {
        const why =
          refusal?.event === 'routes_invalid'
            ? `the proxy refused the new routes: ${refusal.error}`
            : `the proxy did not confirm the reload within ${Math.round((deps.confirmTimeoutMs ?? DEFAULT_CONFIRM_MS) / 1000)} s`;
        await restoreLiveConfig(bottle.layout, 'routes', replaced);
        await docker.signalContainer(proxy.id, 'SIGHUP').catch(() => undefined);
        return {
          kind: 'failed',
          message: `${why}; the previous routes were restored`,
          sha256Before: replaced.before,
        };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    follow.stop();
  }
}

async function replaceOrStale(bottle: BottleRef, text: string, expectSha256: string) {
  try {
    return await replaceLiveConfig(bottle.layout, 'routes', text, { expectSha256 });
  } catch (error) {
    if (error instanceof BottleError && error.code === 'PROPOSAL_STALE')
      return { stale: { kind: 'stale', message: error.message } satisfies ApplyOutcome };
    throw error;
  }
}
