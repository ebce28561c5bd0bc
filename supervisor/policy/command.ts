import type { CliIo, Command } from '../../lib/cli-args.js';
import { resolveHome } from '../../lib/home.js';

const options = {
  json: { type: 'boolean' },
} as const;

export const policyDiffCommand: Command<typeof options> = {
  name: 'policy diff',
  summary: "what a bottle's live config holds beyond its manifest, with who approved it",
  help: `usage: claude-bottle policy diff <slug> [--json]

Compares the bottle's live-config/ with what its manifest would start (routes computed by
the same code as \`start\`): routes added, widened, changed or removed, gitleaks allowlist
entries added, Dockerfile changes from capability proposals. Each item names who approved
it, when and why, from audit/supervisor.jsonl ("unknown" when no audit line matches).

options:
  --json   print {"slug","manifest","items":[{"kind","change","detail","approved_by",
           "approved_at","reason","proposal_id"}]}
`,
  options,
  positionals: [1, 1],
  async run(args, io: CliIo) {
    const { policyDiff } = await import('./collect.js');
    const { jsonSafe, terminalSafe } = await import('../../lib/terminal-safe.js');
    const slug = args.positionals[0]!;
    const diff = await policyDiff(resolveHome(io.env, io.cwd), io.cwd, slug);
    if (args.values.json) {
      io.stdout.write(`${jsonSafe(diff)}\n`);
      return 0;
    }
    io.stdout.write(`--- ${diff.manifest} (what it would start)\n+++ ${slug} live-config/\n`);
    if (diff.items.length === 0) io.stdout.write('  (no difference)\n');
    for (const item of diff.items) {
      const sign = item.change === 'removed' ? '-' : '+';
      io.stdout.write(
        terminalSafe(
          `${sign} ${item.kind} ${item.change}: ${item.detail}\n    approved by ${item.approved_by} at ${item.approved_at}${item.proposal_id ? ` (${item.proposal_id})` : ''}: ${item.reason}\n`,
        ),
      );
    }
    return 0;
  },
};
