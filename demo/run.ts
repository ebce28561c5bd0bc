import { parseArgs } from 'node:util';
import { decideHeadless, decideInTui, pendingProposals, type Decided } from './operator.js';
import { DEMO_PROMPT } from './manifest.js';
import { prepareStage, type Stage } from './stage.js';
import { renderSummary, type StepResult } from './summary.js';
import { position, readTranscript, TOUR } from './tour.js';

const HELP = `usage: bash scripts/demo.sh [--auto] [--step-timeout SECONDS]

Starts a bottle whose agent is the real Claude Code CLI driven by a scripted model (no API key),
beside a local HTTPS API and git remote, and walks through five steps: an allowed request with
an injected credential; a refused path approved live; a held token rejected; a push refused by
gitleaks then allowed; a new package by a rebuild that keeps the session. With a terminal the
supervisor TUI opens for each decision; with CI=true or --auto a scripted operator decides with
the headless verbs. Ends with a summary, removes everything it started, exits 1 if a step failed.
Uses a temporary CLAUDE_BOTTLE_HOME seeded from examples/; yours is never touched.`;

const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      auto: { type: 'boolean', default: false },
      'step-timeout': { type: 'string', default: '600' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(HELP);
    return 0;
  }
  const stepTimeoutMs = Number(values['step-timeout']) * 1000;
  if (!Number.isFinite(stepTimeoutMs) || stepTimeoutMs <= 0) {
    process.stderr.write('demo: --step-timeout takes a number of seconds, e.g. 600\n');
    return 64;
  }
  const auto = values.auto || process.env.CI === 'true' || !process.stdout.isTTY;
  const started = Date.now();
  say(
    `==> preparing (${auto ? 'a scripted operator decides' : 'you decide in the supervisor TUI'})`,
  );
  const stage = await prepareStage((line) => say(`    ${line}`));
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let results: StepResult[] = [];
  try {
    say('==> starting the bottle (builds the agent image with Claude Code on first use)');
    const start = await stage.cli(
      'start',
      stage.agent,
      '--detach',
      '--branch',
      'agent/demo',
      '--prompt',
      DEMO_PROMPT,
    );
    process.stderr.write(
      start.stderr.endsWith('\n') || !start.stderr ? start.stderr : `${start.stderr}\n`,
    );
    if (start.code !== 0) throw new Error(`start failed (${start.code})`);
    stage.slug = start.stdout.trim();
    say(`    bottle ${stage.slug} is up in ${elapsed(started)}`);
    results = await walk(stage, auto, stepTimeoutMs, () => interrupted);
  } catch (error) {
    say(`demo: ${(error as Error).message}`);
  } finally {
    say('==> tearing down');
    const left = await stage.teardown();
    say(
      left.length
        ? `    LEFT BEHIND: ${left.join(', ')}`
        : '    nothing left: no container, network or volume',
    );
    if (left.length)
      results.push({ n: 0, title: 'teardown', ok: false, ms: 0, detail: left.join(', ') });
  }
  say('');
  say(renderSummary(results, TOUR.length));
  say(`whole demo: ${elapsed(started)}`);
  const ok = results.length >= TOUR.length && results.every((r) => r.ok);
  return ok ? 0 : 1;
}

/** Follows the agent through the steps, deciding each proposal as it appears. */
async function walk(
  stage: Stage,
  auto: boolean,
  stepTimeoutMs: number,
  interrupted: () => boolean,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const decided = new Map<string, Decided>();
  let current = 0;
  let stepStarted = Date.now();
  // Decisions are listed under the step that raises their tool, even when the agent has moved on.
  const decisions = new Map<number, string[]>();
  const decisionsOf = (n: number) => (decisions.get(n) ?? []).join(', ');
  const finish = (ok: boolean, detail: string, endedAt = Date.now()) => {
    const step = TOUR[current - 1]!;
    const ms = endedAt - stepStarted;
    results.push({ n: step.n, title: step.title, ok, ms, detail });
    say(
      `    ${ok ? 'ok' : 'FAILED'}: step ${step.n} in ${(ms / 1000).toFixed(1)} s${detail ? ` (${detail})` : ''}`,
    );
  };
  for (;;) {
    if (interrupted()) throw new Error('interrupted');
    const where = position(await readTranscript(stage.modelTranscript));
    // Steps are timed by the model's own clock: from the turn that began one to the next's.
    while (current < where.step) {
      if (current > 0) finish(true, decisionsOf(current), where.at[current + 1]);
      current += 1;
      stepStarted = where.at[current] ?? Date.now();
      if (current <= TOUR.length) say(`==> step ${current}: ${TOUR[current - 1]!.title}`);
    }
    if (where.state === 'done') return results;
    if (where.state === 'failed') {
      if (current === 0) current = 1;
      finish(false, where.why ?? 'failed');
      return results;
    }
    if (current > 0 && Date.now() - stepStarted > stepTimeoutMs) {
      finish(false, `no progress in ${stepTimeoutMs / 1000} s`);
      return results;
    }
    for (const proposal of await pendingProposals(stage)) {
      if (decided.has(proposal.id)) continue;
      say(`    the agent's ${proposal.tool} proposal ${proposal.id} is waiting`);
      const decision = auto
        ? await decideHeadless(stage, proposal)
        : await decideInTui(stage, proposal, (line) => say(`    ${line}`));
      decided.set(proposal.id, decision);
      const n = TOUR.find((step) => step.decisions[decision.tool])?.n ?? current;
      decisions.set(n, [...(decisions.get(n) ?? []), `${decision.tool} ${decision.verdict}`]);
      say(`    ${decision.verdict}: ${decision.tool} (${(decision.ms / 1000).toFixed(1)} s)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

process.exitCode = await main(process.argv.slice(2));
