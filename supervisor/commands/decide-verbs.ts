import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIo, Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import type { DecideRequest } from '../engines/decide.js';

const approveOptions = {
  reason: { type: 'string' },
  once: { type: 'boolean' },
  for: { type: 'string' },
  permanent: { type: 'boolean' },
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
  edit: { type: 'string' },
  bottle: { type: 'string' },
  sha256: { type: 'string' },
} as const;

export const approveCommand: Command<typeof approveOptions> = {
  name: 'approve',
  summary: 'approve a proposal: apply it, confirm it is live, then answer the agent',
  help: `usage: claude-bottle approve <id> [--once | --for DURATION | --permanent [--yes] [--force]]
                               [--reason R] [--edit FILE] [--bottle SLUG] [--sha256 HASH]

Applies the proposal through its engine and only then writes the decision the agent's tool
call is waiting for: routes.yaml is written, the proxy reloaded (SIGHUP) and its reload
confirmed; a Dockerfile is built and the agent container replaced on the new image
(workspace, branch and session kept); gitleaks findings are allowlisted at git-gate; a held
request carrying a token is let through. Every decision is one line in state/<slug>/audit/.

A proposal is decided once: a second \`approve\` (or another operator) gets DECISION_EXISTS
with what was decided. A full-file proposal made against a file that has changed since is
refused as stale (PROPOSAL_STALE) and answered as rejected, so the agent proposes again.

How long it lasts (egress-proxy-block; a token allowance takes --once and --for too):
  (default)        for the bottle's life
  --once           the one request the agent retries, then the rule stops applying (and
                   at the latest after 15 minutes)
  --for DURATION   until a deadline: 90s, 30m, 2h, 1d (at most 30 days)
  --permanent      for the bottle's life, and the hosts it changes written to the bottle's
                   manifest in the home: the diff is shown and asked about first (--yes
                   answers it; without a terminal --yes is required), checked like
                   \`manifest check\`; refused when the manifest was edited since the bottle
                   started, unless --force
Time-boxed rules carry a \`grant\` in routes.yaml: the proxy stops applying them at the
deadline or after the use by itself, whether or not \`supervise\` runs; the supervisor then
removes them and audits it. \`claude-bottle grants <slug>\` lists them, \`revoke <grant>\` ends one.

Exit status: 0 only when the change is live (or, for a token, recorded); otherwise the code
of the error printed (docs/errors.md).

options:
  --reason R     why; required for gitleaks-allow and egress-token-allow, which let a
                 flagged value through
  --edit FILE    approve this file (a routes.yaml or Dockerfile) instead of the proposed one;
                 validated exactly like a proposal (an invalid file changes nothing)
  --bottle SLUG  look for the id in this bottle only
  --sha256 HASH  the content_sha256 \`proposals --json\` showed: refused when the queued file
                 holds anything else by now (scripts should always pass it)
`,
  options: approveOptions,
  positionals: [1, 1],
  async run(args, io) {
    const edited = args.values.edit ? await readEdited(args.values.edit, io.cwd) : undefined;
    const { lifetimeOf } = await import('../grants/lifetime.js');
    const lifetime = lifetimeOf(args.values);
    if ((args.values.yes || args.values.force) && lifetime.kind !== 'permanent')
      throw new BottleError('USAGE', '--yes and --force go with --permanent', {
        hint: 'they answer the manifest write that only --permanent makes',
      });
    const plan =
      lifetime.kind === 'permanent'
        ? await permanentPlan(io, {
            id: args.positionals[0]!,
            ...(args.values.bottle ? { slug: args.values.bottle } : {}),
            ...(edited === undefined ? {} : { editedText: edited }),
            yes: args.values.yes === true,
            force: args.values.force === true,
          })
        : undefined;
    if (plan?.text === '') {
      io.stdout.write('not approved: nothing was decided\n');
      return 1;
    }
    const code = await runDecision(io, {
      lifetime,
      id: args.positionals[0]!,
      action: 'approve',
      ...(args.values.reason === undefined ? {} : { reason: args.values.reason }),
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
      ...(args.values.sha256 ? { expectSha256: args.values.sha256 } : {}),
      ...(edited === undefined ? {} : { editedText: edited }),
    });
    if (plan) {
      const { writePermanent } = await import('../grants/permanent.js');
      await writePermanent(io, plan);
    }
    return code;
  },
};

async function permanentPlan(io: CliIo, request: Parameters<PlanPermanent>[2]) {
  const { refuseLifetime } = await import('../grants/record.js');
  const { planPermanent } = await import('../grants/permanent.js');
  const { locateProposal } = await import('../queue/proposals.js');
  const { resolveHome } = await import('../../lib/home.js');
  const home = resolveHome(io.env, io.cwd);
  const { view } = await locateProposal(home, request.id, request.slug);
  refuseLifetime(view.proposal.tool, { kind: 'permanent' });
  return planPermanent(io, home, request);
}

type PlanPermanent = typeof import('../grants/permanent.js').planPermanent;

const rejectOptions = { reason: { type: 'string' }, bottle: { type: 'string' } } as const;

export const rejectCommand: Command<typeof rejectOptions> = {
  name: 'reject',
  summary: 'reject a proposal with a reason the agent reads',
  help: `usage: claude-bottle reject <id> --reason R [--bottle SLUG]

Answers the agent's waiting tool call with "rejected" and your reason (required: it is how
the agent learns what to do instead). A held proxy request is refused at once. Audited.

options:
  --reason R     why (required)
  --bottle SLUG  look for the id in this bottle only
`,
  options: rejectOptions,
  positionals: [1, 1],
  async run(args, io) {
    if (!args.values.reason?.trim()) {
      throw new BottleError('USAGE', 'reject needs --reason R', {
        hint: 'the agent reads the reason to change course, e.g. --reason "use the mirror at pkg.internal"',
      });
    }
    return runDecision(io, {
      id: args.positionals[0]!,
      action: 'reject',
      reason: args.values.reason,
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
    });
  },
};

async function runDecision(io: CliIo, request: Omit<DecideRequest, 'operator'>): Promise<number> {
  const { decide } = await import('../engines/decide.js');
  const { engineDeps, operatorName } = await import('../engines/deps.js');
  const { terminalSafe } = await import('../../lib/terminal-safe.js');
  const deps = await engineDeps(io.env, io.cwd, (line) =>
    io.stderr.write(`  ${terminalSafe(line)}\n`),
  );
  const result = await decide({ ...request, operator: operatorName(io.env, 'cli') }, deps);
  const what = result.decision.decision === 'approved' ? 'approved' : 'rejected';
  const sha = result.decision.proposal_sha256?.slice(0, 12);
  io.stdout.write(
    `${what} ${request.id} (${result.slug}${sha ? `, proposal sha256 ${sha}…` : ''}): ${terminalSafe(result.message)}\n`,
  );
  return 0;
}

async function readEdited(file: string, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new BottleError('NOT_FOUND', `--edit ${file}: cannot read ${path}`, {
      hint: 'pass the path of the modified routes.yaml or Dockerfile',
    });
  }
  // Loaded on use: the queue schema pulls in zod, which no other verb's start-up needs.
  const { LIMITS } = await import('../../mcp/queue/schema.js');
  if (Buffer.byteLength(text) > LIMITS.fileBytes) {
    throw new BottleError(
      'INPUT_INVALID',
      `--edit ${file} is larger than ${LIMITS.fileBytes / 1024} KiB`,
      {
        hint: 'a routes.yaml or Dockerfile is far smaller; check the file',
      },
    );
  }
  return text;
}
