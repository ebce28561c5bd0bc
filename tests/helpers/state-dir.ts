import { mkdir } from 'node:fs/promises';
import { stateDirOf } from '../../lib/home.js';
import { stateLayout, type StateLayout } from '../../launcher/state/layout.js';
import { writeMetadata } from '../../launcher/state/metadata.js';
import type { LiveConfigFile } from '../../lib/live-config.js';
import { appendAudit } from '../../supervisor/audit/log.js';
import { readLive, replaceLiveConfig } from '../../supervisor/engines/live-config-writer.js';
import type { EngineDeps } from '../../supervisor/engines/types.js';

/**
 * A bottle's state dir with just a running-looking metadata.json: enough for the supervisor's
 * queue code, which needs no containers for report-only engines and the watcher.
 */
export async function makeStateDir(home: string, slug: string): Promise<StateLayout> {
  return writeRunningMetadata(stateLayout(stateDirOf(home, slug)), slug);
}

/** Makes `layout` look like a running bottle's state dir (live-config/ and metadata.json). */
export async function writeRunningMetadata(
  layout: StateLayout,
  slug: string,
): Promise<StateLayout> {
  const now = new Date().toISOString();
  await mkdir(layout.liveConfig, { recursive: true });
  await writeMetadata(layout.metadata, {
    v: 1,
    slug,
    agent: 'scripted',
    agent_source: 'home',
    bottle: 'e2e',
    provider: 'none',
    branch: null,
    repo: null,
    compose_project: `cb-${slug}`,
    images: {},
    services: [],
    status: 'running',
    reason: null,
    created_at: now,
    started_at: now,
    updated_at: now,
  });
  return layout;
}

/**
 * Engine deps for decisions that need no container (report-only engines, expiry, supersede,
 * the watcher's sweep): asking for the engine fails the test.
 */
export function containerlessDeps(home: string): EngineDeps {
  return {
    env: {},
    home,
    docker: () => {
      throw new Error('no engine needed here');
    },
    progress: () => {},
    now: () => new Date(),
  };
}

/**
 * What an approval leaves behind without running its engine: the live file replaced (the
 * text, or the text made from the current one) and the approval's audit line.
 */
export async function recordApproval(
  layout: StateLayout,
  file: LiveConfigFile,
  text: string | ((current: string) => string),
  audit: { proposal_id: string; tool: string; reason: string; operator: string },
): Promise<void> {
  const before = await readLive(layout, file);
  const next = typeof text === 'string' ? text : text(before.text);
  const replaced = await replaceLiveConfig(layout, file, next, { expectSha256: before.sha256 });
  await appendAudit(layout, {
    ...audit,
    decision: 'approved',
    ...(file === 'routes' ? { sha256_before: replaced.before, sha256_after: replaced.after } : {}),
    result: file === 'routes' ? 'applied' : 'recorded',
  });
}
