import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, type Stage } from './stage.js';
import { TOUR } from './tour.js';

/**
 * Who decides: a scripted operator through the headless verbs (`--auto`, CI), or the person at
 * the terminal in the supervisor TUI, opened for each proposal and closed once it is decided.
 */
export interface Pending {
  id: string;
  tool: string;
  created_at?: string;
}

export interface Decided {
  id: string;
  tool: string;
  verdict: string;
  ms: number;
}

export async function pendingProposals(stage: Stage): Promise<Pending[]> {
  const listed = await stage.cli('proposals', '--json', '--bottle', stage.slug);
  if (listed.code !== 0) return [];
  return (JSON.parse(listed.stdout) as { proposals: Pending[] }).proposals;
}

async function statusOf(stage: Stage, id: string): Promise<string | undefined> {
  const listed = await stage.cli('proposals', '--json', '--all', '--bottle', stage.slug);
  if (listed.code !== 0) return undefined;
  const all = (JSON.parse(listed.stdout) as { proposals: { id: string; status?: string }[] })
    .proposals;
  return all.find((p) => p.id === id)?.status;
}

/** The rebuild engine's last word on a proposal, from the bottle's audit log. */
async function rebuildEnded(stage: Stage, id: string): Promise<boolean> {
  const file = join(stage.home, 'state', stage.slug, 'audit/supervisor.jsonl');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .some((line) => {
      const entry = JSON.parse(line) as { proposal_id?: string; result?: string };
      return (
        entry.proposal_id === id &&
        ['restarted', 'restart-failed', 'failed'].includes(entry.result ?? '')
      );
    });
}

function planFor(tool: string) {
  for (const step of TOUR) {
    const decision = step.decisions[tool];
    if (decision) return { step, decision };
  }
  return undefined;
}

/** Decides one proposal with `approve`/`reject`, as the tour plans; throws with the verb's error. */
export async function decideHeadless(stage: Stage, proposal: Pending): Promise<Decided> {
  const plan = planFor(proposal.tool);
  if (!plan) throw new Error(`the tour does not expect a ${proposal.tool} proposal`);
  const started = Date.now();
  const { verdict, reason } = plan.decision;
  const out = await stage.cli(verdict, proposal.id, '--reason', reason);
  if (out.code !== 0)
    throw new Error(`${verdict} ${proposal.id} failed (${out.code}): ${out.stderr}`);
  return { id: proposal.id, tool: proposal.tool, verdict, ms: Date.now() - started };
}

/** Opens the TUI on the terminal until the proposal is decided (by anyone), then closes it. */
export async function decideInTui(
  stage: Stage,
  proposal: Pending,
  say: (line: string) => void,
): Promise<Decided> {
  const plan = planFor(proposal.tool);
  const key = plan?.decision.key ?? 'a';
  const verb = plan?.decision.verdict ?? 'approve';
  say(
    `${proposal.tool} is waiting for you. The supervisor opens now: press ${key} to ${verb}` +
      (proposal.tool === 'gitleaks-allow' || verb === 'reject'
        ? ', type a reason and press Enter'
        : '') +
      '. It closes by itself once the proposal is decided.',
  );
  await new Promise((r) => setTimeout(r, 1500));
  const started = Date.now();
  const tui = spawn(process.execPath, [CLI, 'supervise', '--bottle', stage.slug], {
    env: stage.env,
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => tui.once('exit', () => resolve()));
  let status: string | undefined = 'pending';
  let closed = false;
  void exited.then(() => (closed = true));
  while (status === 'pending' && !closed) {
    await new Promise((r) => setTimeout(r, 300));
    status = await statusOf(stage, proposal.id);
  }
  // A rebuild answers the agent before it restarts it: the TUI's engine is still at work once
  // the decision exists, and closing it then would stop the restart half-way.
  if (proposal.tool === 'capability-block' && status === 'approved')
    while (!closed && !(await rebuildEnded(stage, proposal.id)))
      await new Promise((r) => setTimeout(r, 300));
  if (!closed) {
    tui.kill('SIGTERM');
    await exited;
  }
  const verdict = status === 'pending' ? 'undecided (the TUI was closed)' : (status ?? 'unknown');
  return { id: proposal.id, tool: proposal.tool, verdict, ms: Date.now() - started };
}
