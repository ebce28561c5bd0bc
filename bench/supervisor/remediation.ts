// Approve → the agent's answer, on a real bottle: the agent's MCP client (the SDK's, inside
// the agent container) waits in egress-proxy-block; the clock starts when the operator's
// decide() starts and stops when the call returns in the agent (same kernel clock). A reject
// (no engine work: only the decision file) is the baseline measured in the same rounds.
import { decide } from '../../supervisor/engines/decide.js';
import { engineDeps } from '../../supervisor/engines/deps.js';
import { listProposals } from '../../supervisor/queue/proposals.js';
import { withPath, type SupervisedBottle } from '../../tests/e2e/supervisor/fixture.js';

export interface RemediationSample {
  /** decide() start → decision written (routes written, SIGHUP, reload confirmed). */
  applyMs: number;
  /** decide() start → the agent's tool call returned approved. */
  answerMs: number;
  /** The agent's retry right after: its HTTP status. */
  retryStatus: string;
  /** decide(reject) start → the agent's call returned rejected. */
  rejectAnswerMs: number;
}

export async function remediationRound(
  bottle: SupervisedBottle,
  round: number,
): Promise<RemediationSample> {
  const deps = await engineDeps(bottle.env, bottle.tree.root, () => {});
  const live = await bottle.liveRoutes();

  const rejected = bottle.callTool('egress-proxy-block', {
    routes_yaml: withPath(live, `/nope-${round}`),
    justification: `bench reject ${round}`,
  });
  const rejectId = await pendingId(bottle, rejected);
  const r0 = Date.now();
  await decide({ id: rejectId, action: 'reject', reason: 'bench', operator: 'bench' }, deps);
  const rejectAnswer = await rejected;

  const approved = bottle.callTool('egress-proxy-block', {
    routes_yaml: withPath(live, `/bench-${round}`),
    justification: `bench approve ${round}`,
  });
  const id = await pendingId(bottle, approved);
  const t0 = Date.now();
  await decide({ id, action: 'approve', operator: 'bench' }, deps);
  const applied = Date.now();
  const answer = await approved;
  if (answer.structured?.status !== 'approved') throw new Error(`round ${round}: ${answer.text}`);
  const retry = await bottle.asAgent(
    `curl -s -o /dev/null -w '%{http_code}' https://api.example.test/bench-${round}`,
  );
  return {
    applyMs: applied - t0,
    answerMs: answer.returned_at_ms - t0,
    retryStatus: retry.stdout,
    rejectAnswerMs: rejectAnswer.returned_at_ms - r0,
  };
}

/** The proposal the call filed; fails with the call's own answer if it returned without one. */
async function pendingId(
  bottle: SupervisedBottle,
  call: Promise<{ text: string }>,
): Promise<string> {
  let answered: string | undefined;
  void call.then(
    (r) => (answered = r.text),
    (e: Error) => (answered = e.message),
  );
  for (let i = 0; i < 600; i++) {
    if (answered !== undefined) throw new Error(`the call returned before queuing: ${answered}`);
    const [view] = await listProposals(bottle.home, { slug: bottle.slug });
    if (view) return view.proposal.id;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no proposal appeared');
}
