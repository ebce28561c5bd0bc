import type { Command } from '../../lib/cli-args.js';
import type { LiveFiles } from '../analysis/index.js';
import type { ProposalView } from '../queue/proposals.js';

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
  --all           decided, expired, superseded and withdrawn proposals too, with their
                  decisions
  --bottle SLUG   only this bottle
  --json          print {"proposals":[{…the proposal as queued (id, tool, justification,
                  payload, created_at, expires_at?, supersedes?), "slug", "source",
                  "status", "content_sha256"?, "decision"?, "superseded_by"?,
                  "gate_findings"?, "analysis", "replay"?}]}; status is pending,
                  approved, rejected, expired, superseded or withdrawn (superseded: the
                  agent filed a newer proposal for the same target; listed with --all);
                  content_sha256 (of a queued proposal's file) is what \`approve
                  --sha256\` binds a decision to;
                  gate_findings are git-gate's own records of a gitleaks-allow's ids;
                  "analysis" is the supervisor's own findings [{level, code, reason}]
                  (level danger, caution or info), against the live files as they are now;
                  "replay" (egress-proxy-block only) is the bottle's recent refused requests
                  (the proxy's denied log) judged by the proxy's matcher against the live and
                  the proposed routes: {requests, unblocked, still_blocked, already_admitted,
                  not_routes, skipped_lines, problem?}, each a list of {method, host, port,
                  path, reason, refusals, last}; not_routes were refused for a reason no
                  routes.yaml changes (git-push, bad-path, cleartext, encoded-host; dlp and
                  encoded-body unless the proposal turns dlp off on the matching rule)
`,
  options,
  async run(args, io) {
    const { resolveHome } = await import('../../lib/home.js');
    const { listProposals } = await import('../queue/proposals.js');
    const { proposalSummary, shortDuration } = await import('../proposal-summary.js');
    const { jsonSafe, oneLine, terminalSafe } = await import('../../lib/terminal-safe.js');
    const { analyseProposal } = await import('../analysis/index.js');
    const skipped: string[] = [];
    const home = resolveHome(io.env, io.cwd);
    const views = await listProposals(home, {
      all: args.values.all ?? false,
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
      onSkip: (file, reason) => skipped.push(`${file}: ${reason}`),
    });
    for (const line of skipped) io.stderr.write(`warning: skipped ${oneLine(line, 300)}\n`);
    const live = await liveFilesOf(home, views);
    const analysisOf = (view: ProposalView) => analyseProposal(view, live.get(view.slug) ?? {});
    const { replaysOf } = await import('../analysis/replay-views.js');
    const replays = await replaysOf(home, views, (slug) => live.get(slug)?.routes?.text);
    if (args.values.json) {
      const proposals = views.map((view) => ({
        ...view.proposal,
        slug: view.slug,
        source: view.source,
        status: view.status,
        ...(view.sha256 ? { content_sha256: view.sha256 } : {}),
        ...(view.gateFindings ? { gate_findings: view.gateFindings } : {}),
        ...(view.findingsProblem ? { findings_problem: view.findingsProblem } : {}),
        ...(view.decision ? { decision: view.decision } : {}),
        ...(view.supersededBy ? { superseded_by: view.supersededBy } : {}),
        analysis: analysisOf(view),
        ...(replays.has(view) ? { replay: replays.get(view) } : {}),
      }));
      io.stdout.write(`${jsonSafe({ proposals })}\n`);
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
      const by = view.decision
        ? ` by ${terminalSafe(view.decision.decided_by)}`
        : view.supersededBy
          ? ` by ${view.supersededBy}`
          : '';
      io.stdout.write(
        `${p.id}  ${view.slug}  ${p.tool}  ${age} ago${left}  [${view.status}${by}]\n    ${proposalSummary(view, 100)}\n`,
      );
      const flagged = analysisOf(view).filter((finding) => finding.level !== 'info');
      if (flagged.length > 0) {
        const count = (level: string) => flagged.filter((f) => f.level === level).length;
        const codes = [...new Set(flagged.map((f) => f.code))].join(', ');
        io.stdout.write(
          `    analysis: ${count('danger')} danger, ${count('caution')} caution (${codes}); --json for the reasons\n`,
        );
      }
      const replay = replays.get(view);
      if (replay && replay.requests > 0)
        io.stdout.write(
          `    replay: ${replay.unblocked.length} of the agent's refused requests would be admitted, ${replay.still_blocked.length} stay blocked; --json for which\n`,
        );
    }
    return 0;
  },
};

const LIVE_FILE_OF = { 'egress-proxy-block': 'routes', 'capability-block': 'dockerfile' } as const;

/** Each bottle's live files that its full-file proposals are compared with; unreadable: absent. */
async function liveFilesOf(home: string, views: ProposalView[]): Promise<Map<string, LiveFiles>> {
  const { openBottle } = await import('../queue/bottles.js');
  const { readLive } = await import('../engines/live-config-writer.js');
  const live = new Map<string, LiveFiles>();
  const tried = new Set<string>();
  for (const view of views) {
    const tool = view.proposal.tool;
    const file = tool in LIVE_FILE_OF ? LIVE_FILE_OF[tool as keyof typeof LIVE_FILE_OF] : undefined;
    if (!file) continue;
    if (tried.has(`${view.slug}/${file}`)) continue;
    tried.add(`${view.slug}/${file}`);
    const files = live.get(view.slug) ?? {};
    live.set(view.slug, files);
    try {
      files[file] = await readLive((await openBottle(home, view.slug)).layout, file);
    } catch {
      // Left absent: the analysis says the live file could not be read.
    }
  }
  return live;
}
