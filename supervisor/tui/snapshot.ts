import { BottleError } from '../../lib/errors.js';
import type { LiveConfigFile } from '../../lib/live-config.js';
import { listBottles, openBottle, type BottleRef } from '../queue/bottles.js';
import { bottleProposals, type ProposalView } from '../queue/proposals.js';
import { readLive } from '../engines/live-config-writer.js';
import { readDeniedLog, type DeniedLogRead } from '../analysis/replay-log.js';

/** One bottle as the screen shows it, read in one go so a render never waits on the disk. */
export interface BottleSnapshot {
  slug: string;
  agent: string;
  branch: string | null;
  status: string;
  /** Undecided proposals, newest first. */
  proposals: ProposalView[];
  /** The live files its full-file proposals would replace: what their diffs are against. */
  live: Partial<Record<LiveConfigFile, { text: string; sha256: string }>>;
  /** Queue files that could not be read: named, never hidden. */
  skipped: string[];
  /** The proxy's recent refusals, read when a routes proposal waits (for its replay). */
  denied?: DeniedLogRead;
}

export type BottleLoad =
  { kind: 'ok'; snapshot: BottleSnapshot } | { kind: 'gone' } | { kind: 'broken'; reason: string };

const LIVE_FILE_OF: Partial<Record<ProposalView['proposal']['tool'], LiveConfigFile>> = {
  'egress-proxy-block': 'routes',
  'capability-block': 'dockerfile',
};

/** The live file a tool's proposals replace, if it proposes a whole file. */
export function liveFileOf(tool: ProposalView['proposal']['tool']): LiveConfigFile | undefined {
  return LIVE_FILE_OF[tool];
}

/** Reads one bottle's metadata, pending proposals and the live files they diff against. */
export async function loadBottle(home: string, slug: string): Promise<BottleLoad> {
  let bottle: BottleRef;
  try {
    bottle = await openBottle(home, slug);
  } catch (error) {
    if (error instanceof BottleError && (error.code === 'NOT_FOUND' || error.code === 'USAGE'))
      return { kind: 'gone' };
    return { kind: 'broken', reason: error instanceof Error ? error.message : String(error) };
  }
  return { kind: 'ok', snapshot: await snapshotOf(bottle) };
}

/** Every bottle (or the one named), for the first render and full refreshes. */
export async function loadAll(
  home: string,
  only?: string,
): Promise<{ bottles: BottleSnapshot[]; broken: string[] }> {
  if (only) {
    const loaded = await loadBottle(home, only);
    if (loaded.kind === 'ok') return { bottles: [loaded.snapshot], broken: [] };
    return { bottles: [], broken: loaded.kind === 'broken' ? [only] : [] };
  }
  const { bottles, broken } = await listBottles(home);
  return { bottles: await Promise.all(bottles.map(snapshotOf)), broken };
}

async function snapshotOf(bottle: BottleRef): Promise<BottleSnapshot> {
  const skipped: string[] = [];
  const proposals = await bottleProposals(bottle, {
    onSkip: (file, reason) => skipped.push(`${file}: ${reason}`),
  });
  const live: BottleSnapshot['live'] = {};
  for (const file of new Set(proposals.map((view) => liveFileOf(view.proposal.tool)))) {
    if (file) live[file] = await readLive(bottle.layout, file);
  }
  const replayed = proposals.some((view) => view.proposal.tool === 'egress-proxy-block');
  return {
    ...(replayed ? { denied: await readDeniedLog(bottle.layout.deniedLog) } : {}),
    slug: bottle.slug,
    agent: bottle.metadata.agent,
    branch: bottle.metadata.branch,
    status: bottle.metadata.status,
    proposals,
    live,
    skipped,
  };
}
