import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDocument } from 'yaml';
import { composeRecreateService, type ComposeRun } from '../../launcher/compose.js';
import { escapeInterpolation } from '../../launcher/plan/compose-file.js';
import { readMetadata, updateMetadata } from '../../launcher/state/metadata.js';
import { waitForAgentReady } from '../../launcher/wait-ready.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import type { ProposalOf } from '../../mcp/queue/schema.js';
import type { BottleRef } from '../queue/bottles.js';
import { restoreLiveConfig, type Replaced } from './live-config-writer.js';
import type { EngineDeps } from './types.js';

/** How long the agent's waiting tool call has to be answered before its container goes. */
const ANSWER_WAIT_MS = 5_000;
/** supervise logs the answer as it returns it: a moment more lets the response reach the client. */
const ANSWER_GRACE_MS = 500;
const READY_TIMEOUT_MS = 120_000;

export interface RecreateRequest {
  bottle: BottleRef;
  image: string;
  proposal: ProposalOf<'capability-block'>;
  /** What replaced live-config/Dockerfile, put back if the agent cannot run on the new image. */
  replaced: Replaced;
}

export async function agentIsRunning(bottle: BottleRef, deps: EngineDeps): Promise<boolean> {
  const containers = await deps.docker().projectContainers(bottle.metadata.compose_project);
  return containers.some((c) => c.service === 'agent' && c.state === 'running');
}

/**
 * Points the compose file's agent service at `image` and keeps everything else as written
 * (comments, the `$$` escaping), so `docker compose -f` on it still works by hand. Returns the
 * image it named before.
 */
export async function setAgentImage(composeFile: string, image: string): Promise<string> {
  const doc = parseDocument(await readFile(composeFile, 'utf8'));
  const previous: unknown = doc.getIn(['services', 'agent', 'image']);
  if (doc.errors.length > 0 || typeof previous !== 'string') {
    throw new BottleError('STATE_INVALID', `${composeFile} has no readable services.agent.image`, {
      hint: 'it was edited by hand: restore it, or stop the bottle and start a new one',
    });
  }
  doc.setIn(['services', 'agent', 'image'], escapeInterpolation(image));
  await writeFileAtomic(composeFile, doc.toString());
  return previous.replaceAll('$$', '$');
}

/** The agent image in metadata.json: what `resume` checks and `list` shows. */
export async function recordAgentImage(bottle: BottleRef, image: string): Promise<void> {
  const current = await readMetadata(bottle.layout.metadata);
  await updateMetadata(bottle.layout.metadata, { images: { ...current.images, agent: image } });
}

/**
 * Runs after the decision is written: once supervise has handed the agent its answer, replaces
 * only the agent container (`up --no-deps agent`) on the new image. The workspace volume, the
 * transcript mount, the MCP token and the branch are all in the compose file and survive. An
 * agent that does not come up is put back on its previous image, with the previous Dockerfile.
 */
export async function recreateAgent(
  request: RecreateRequest,
  deps: EngineDeps,
): Promise<{ ok: boolean; message: string }> {
  const { bottle, image } = request;
  await waitForAnswer(bottle, request.proposal, deps);
  const run: ComposeRun = {
    file: bottle.layout.composeFile,
    env: deps.env,
    log: bottle.layout.composeLog,
  };
  const started = Date.now();
  let previous: string | undefined;
  try {
    previous = await setAgentImage(run.file, image);
    deps.progress(`recreating the agent on ${image}`);
    await upAndReady(run, bottle, deps);
  } catch (error) {
    const why = describe(error);
    if (previous === undefined) return { ok: false, message: `the agent was not replaced: ${why}` };
    return {
      ok: false,
      message: `the agent did not come up on ${image} (${why}); ${await rollBack(request, previous, run, deps)}`,
    };
  }
  await recordAgentImage(bottle, image);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  deps.progress(`the agent is back on ${image} (${seconds}s)`);
  return { ok: true, message: `the agent runs on ${image} (recreated in ${seconds}s)` };
}

async function upAndReady(run: ComposeRun, bottle: BottleRef, deps: EngineDeps): Promise<void> {
  await composeRecreateService(run, 'agent');
  await waitForAgentReady(deps.docker(), bottle.metadata.compose_project, {
    timeoutMs: READY_TIMEOUT_MS,
  });
}

async function rollBack(
  request: RecreateRequest,
  previous: string,
  run: ComposeRun,
  deps: EngineDeps,
): Promise<string> {
  try {
    await restoreLiveConfig(request.bottle.layout, 'dockerfile', request.replaced);
    await setAgentImage(run.file, previous);
    await upAndReady(run, request.bottle, deps);
    return `it runs on the previous image ${previous} again and live-config/Dockerfile was restored`;
  } catch (error) {
    return `putting the previous image ${previous} back failed too (${describe(error)}); the engine's output is in ${run.log}`;
  }
}

/**
 * The agent asked over MCP and waits: its answer must reach it before its container is
 * replaced, so follow supervise's log (from the proposal's creation, which no answer precedes)
 * for the `decision_returned` line naming this proposal. Bounded: an agent whose call already
 * returned `pending` reads the decision later, from the new container.
 */
async function waitForAnswer(
  bottle: BottleRef,
  proposal: ProposalOf<'capability-block'>,
  deps: EngineDeps,
): Promise<void> {
  const docker = deps.docker();
  const supervise = (await docker.projectContainers(bottle.metadata.compose_project)).find(
    (c) => c.service === 'supervise' && c.state === 'running',
  );
  if (!supervise) return;
  let answered = false;
  let wake = (): void => {};
  const follow = await docker.followLogs(supervise.id, new Date(proposal.created_at), (line) => {
    if (returnsDecision(line, proposal.id)) {
      answered = true;
      wake();
    }
  });
  try {
    if (!answered) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ANSWER_WAIT_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    follow.stop();
  }
  if (answered) await sleep(ANSWER_GRACE_MS);
  deps.progress(
    answered
      ? 'the agent has its answer'
      : `no tool call took the answer within ${ANSWER_WAIT_MS / 1000}s; the agent reads it after the restart`,
  );
}

function returnsDecision(line: string, id: string): boolean {
  if (!line.includes(id)) return false;
  try {
    const event = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    return event.event === 'decision_returned' && event.proposal_id === id;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = error instanceof BottleError && error.hint ? error.hint : '';
  const detail = hint
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 6)
    .join(' | ');
  return detail ? `${error.message}: ${detail}` : error.message;
}
