import { openBottle } from '../queue/bottles.js';
import type { ProposalView } from '../queue/proposals.js';
import { readDeniedLog, type DeniedLogRead } from './replay-log.js';
import { replayDenied, type Replay } from './replay.js';

/**
 * The replay of every egress-proxy-block among `views`, each bottle's denied log read once.
 * `liveRoutes` gives a bottle's live routes.yaml text (undefined: could not be read).
 */
export async function replaysOf(
  home: string,
  views: readonly ProposalView[],
  liveRoutes: (slug: string) => string | undefined,
): Promise<Map<ProposalView, Replay>> {
  const logs = new Map<string, DeniedLogRead>();
  const replays = new Map<ProposalView, Replay>();
  for (const view of views) {
    const { proposal } = view;
    if (proposal.tool !== 'egress-proxy-block') continue;
    let denied = logs.get(view.slug);
    if (!denied) {
      denied = await deniedLogOf(home, view.slug);
      logs.set(view.slug, denied);
    }
    replays.set(view, replayDenied(proposal.payload.routes_yaml, liveRoutes(view.slug), denied));
  }
  return replays;
}

async function deniedLogOf(home: string, slug: string): Promise<DeniedLogRead> {
  try {
    return await readDeniedLog((await openBottle(home, slug)).layout.deniedLog);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { entries: [], skipped: 0, problem: `the bottle could not be opened: ${why}` };
  }
}
