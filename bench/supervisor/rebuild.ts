// Capability rebuild on a real bottle with a warm build cache: the agent proposes one of two
// Dockerfiles (both built once in the warm-up), the operator approves; timed from decide() to
// the decision file (the build step, a cache hit) and from the decision to the agent back up
// on the new image (answer delivered, agent container replaced, entrypoint ready).
import { readFile, stat } from 'node:fs/promises';
import { decide } from '../../supervisor/engines/decide.js';
import { engineDeps } from '../../supervisor/engines/deps.js';
import { listProposals } from '../../supervisor/queue/proposals.js';
import type { SupervisedBottle } from '../../tests/e2e/supervisor/fixture.js';
import { installAgentMcpClient } from '../../tests/helpers/agent-mcp.js';

export interface RebuildSample {
  toDecisionMs: number;
  decisionToAgentUpMs: number;
}

export async function rebuildRound(
  bottle: SupervisedBottle,
  round: number,
): Promise<RebuildSample> {
  const live = await readFile(`${bottle.stateDir}/live-config/Dockerfile`, 'utf8');
  const base = live.replace(/\nLABEL bench=.*\n$/, '\n');
  const dockerfile = `${base.trimEnd()}\nLABEL bench=${round % 2}\n`;
  const call = bottle.callTool('capability-block', { dockerfile, justification: `bench ${round}` });
  let id = '';
  for (let i = 0; i < 600 && !id; i++) {
    id = (await listProposals(bottle.home, { slug: bottle.slug }))[0]?.proposal.id ?? '';
    if (!id) await new Promise((r) => setTimeout(r, 20));
  }
  const deps = await engineDeps(bottle.env, bottle.tree.root, () => {});
  const started = Date.now();
  await decide({ id, action: 'approve', operator: 'bench' }, deps);
  const up = Date.now();
  const decided = (await stat(`${bottle.stateDir}/queue/decided/${id}.json`)).mtimeMs;
  const answer = await call.catch(() => undefined); // the agent's exec may end with its container
  if (answer && answer.structured?.status !== 'approved') throw new Error(answer.text);
  await installAgentMcpClient(bottle.composeFile); // the new container has its own /tmp
  return { toDecisionMs: decided - started, decisionToAgentUpMs: up - decided };
}
