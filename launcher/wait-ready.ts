import { BottleError } from '../lib/errors.js';
import type { DockerAdapter } from './docker.js';

const READY_FILE = '/run/claude-bottle-agent-ready';

/**
 * Waits until the agent's entrypoint has closed the network, installed the CA, seeded the
 * workspace and seen the proxy listen (it then touches READY_FILE). An agent that exits first
 * fails the start with its last log lines.
 */
export async function waitForAgentReady(
  docker: DockerAdapter,
  project: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (options.signal?.aborted) throw new BottleError('START_FAILED', 'interrupted (Ctrl-C)');
    const agent = (await docker.projectContainers(project)).find((c) => c.service === 'agent');
    if (agent) {
      if (agent.state !== 'running' && agent.state !== 'created') {
        const status = await docker.containerStatus(agent.id);
        throw new BottleError(
          'START_FAILED',
          `the agent container ${status.state} (exit ${status.exitCode}) during set-up`,
          {
            hint: `its last lines:\n    ${status.logTail.trim().split('\n').join('\n    ')}`,
          },
        );
      }
      // One exec that blocks until the file appears (or 20 s pass) instead of an exec per poll.
      const waited = await docker.execExitCode(agent.id, [
        'bash',
        '-c',
        `for _ in $(seq 1 400); do [ -f ${READY_FILE} ] && exit 0; sleep 0.05; done; exit 1`,
      ]);
      if (waited === 0) return;
    }
    if (Date.now() > deadline) {
      throw new BottleError('START_FAILED', 'the agent did not finish its set-up in time', {
        hint: 'see `docker compose -f state/<slug>/docker-compose.yml logs agent`',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
