import type { Command } from '../../lib/cli-args.js';

const options = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  bottle: { type: 'string' },
} as const;

export const proposalsCommand: Command<typeof options> = {
  name: 'proposals',
  summary: "list the agents' proposals waiting for a decision (--all: decided ones too)",
  help: `usage: claude-bottle proposals [--json] [--all] [--bottle SLUG]

Lists undecided proposals of every bottle under $CLAUDE_BOTTLE_HOME/state/, newest first:
id, bottle, tool, age, and one line of what it asks (the agent's justification, or the
proxy's or git-gate's own report). Decide with \`claude-bottle approve <id>\` or
\`claude-bottle reject <id> --reason R\`, or interactively with \`claude-bottle supervise\`.

options:
  --all           decided, expired and withdrawn proposals too, with their decisions
  --bottle SLUG   only this bottle
  --json          print {"proposals":[{…the proposal as queued (id, tool, justification,
                  payload, created_at, expires_at?), "slug", "source", "status",
                  "decision"?}]}; status is pending, approved, rejected, expired or withdrawn
`,
  options,
  async run(args, io) {
    const { resolveHome } = await import('../../lib/home.js');
    const { listProposals } = await import('../queue/proposals.js');
    const { proposalSummary, shortDuration } = await import('../proposal-summary.js');
    const { terminalSafe } = await import('../terminal-safe.js');
    const skipped: string[] = [];
    const views = await listProposals(resolveHome(io.env, io.cwd), {
      all: args.values.all ?? false,
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
      onSkip: (file, reason) => skipped.push(`${file}: ${reason}`),
    });
    for (const line of skipped) io.stderr.write(`warning: skipped ${terminalSafe(line)}\n`);
    if (args.values.json) {
      const proposals = views.map((view) => ({
        ...view.proposal,
        slug: view.slug,
        source: view.source,
        status: view.status,
        ...(view.decision ? { decision: view.decision } : {}),
      }));
      io.stdout.write(`${JSON.stringify({ proposals }, null, 2)}\n`);
      return 0;
    }
    if (views.length === 0) {
      io.stdout.write(args.values.all ? 'no proposals\n' : 'no proposals waiting\n');
      return 0;
    }
    const now = Date.now();
    for (const view of views) {
      const p = view.proposal;
      const age = shortDuration(now - Date.parse(p.created_at));
      const left =
        view.status === 'pending' && p.expires_at
          ? `, refused in ${shortDuration(Date.parse(p.expires_at) - now)}`
          : '';
      const by = view.decision ? ` by ${terminalSafe(view.decision.decided_by)}` : '';
      io.stdout.write(
        `${p.id}  ${view.slug}  ${p.tool}  ${age} ago${left}  [${view.status}${by}]\n    ${proposalSummary(p, 100)}\n`,
      );
    }
    return 0;
  },
};
