import { lstat } from 'node:fs/promises';
import type { ToolExtra } from '../sdk.js';
import type { ServerContext } from '../context.js';
import { queuePaths } from '../queue/paths.js';
import { readDecision } from '../queue/store.js';
import { findSuperseder } from '../queue/supersede.js';
import {
  decisionOutcome,
  formatElapsed,
  pendingOutcome,
  supersededOutcome,
  unreadableDecisionOutcome,
  type Outcome,
} from './outcome.js';

/**
 * Blocks until the operator decides `id`, the supervisor archives it undecided (→ superseded,
 * naming the newer proposal when one replaced it), the wait bound passes (→ pending) or the
 * client cancels (→ pending; the proposal is never withdrawn). Sends progress while it waits when
 * the client asked for it with a progress token.
 */
export async function awaitOutcome(
  ctx: ServerContext,
  id: string,
  extra: ToolExtra,
): Promise<Outcome> {
  const started = Date.now();
  const pendingFile = queuePaths(ctx.queueDir).pendingFile('agent', id);
  const progressToken = extra._meta?.progressToken;
  let lastProgress = -Infinity;
  for (;;) {
    const decided = await readDecision(ctx.queueDir, id);
    if (decided) return settled(ctx, id, decided);
    if (!(await exists(pendingFile))) {
      // The supervisor may have decided and archived between the two reads: look once more.
      const late = await readDecision(ctx.queueDir, id);
      return late ? settled(ctx, id, late) : supersededOutcome(id, await supersederOf(ctx, id));
    }
    const elapsed = Date.now() - started;
    if (elapsed >= ctx.maxWaitMs || extra.signal.aborted) {
      if (extra.signal.aborted) ctx.log.info('wait_cancelled', { proposal_id: id });
      return pendingOutcome(id, elapsed);
    }
    if (progressToken !== undefined && elapsed - lastProgress >= ctx.progressEveryMs) {
      lastProgress = elapsed;
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: elapsed / 1000,
            message: `awaiting operator: proposal ${id}, ${formatElapsed(elapsed)}`,
          },
        })
        .catch((error: unknown) => ctx.log.warn('progress_failed', { proposal_id: id, error }));
    }
    await sleep(Math.min(ctx.pollMs, ctx.maxWaitMs - elapsed), extra.signal);
  }
}

/**
 * The newer proposal that replaced `id`: the one this server filed to supersede it, else (after
 * a restart) a queued one that names it. Asked only once `id` left the queue undecided.
 */
export async function supersederOf(ctx: ServerContext, id: string): Promise<string | undefined> {
  return ctx.supersededBy.get(id) ?? (await findSuperseder(ctx.queueDir, id));
}

function settled(
  ctx: ServerContext,
  id: string,
  decided: NonNullable<Awaited<ReturnType<typeof readDecision>>>,
): Outcome {
  if (!decided.ok) {
    ctx.log.warn('decision_unreadable', { proposal_id: id, reason: decided.reason });
    return unreadableDecisionOutcome(id, decided.reason);
  }
  ctx.log.info('decision_returned', { proposal_id: id, decision: decided.value.decision });
  return decisionOutcome(id, decided.value);
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(1, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
