import type { CliIo, Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import { resolveHome } from '../../lib/home.js';

const options = {
  json: { type: 'boolean' },
  write: { type: 'boolean' },
  only: { type: 'string' },
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
} as const;

export const policyDiffCommand: Command<typeof options> = {
  name: 'policy diff',
  summary: "what a bottle's live config holds beyond its manifest, with who approved it",
  help: `usage: claude-bottle policy diff <slug> [--json]
       claude-bottle policy diff <slug> --write [--only N,M] [--yes] [--force]

Compares the bottle's live-config/ with what its manifest would start (routes computed by
the same code as \`start\`): routes added, widened, changed or removed, gitleaks allowlist
entries added, Dockerfile changes from capability proposals. Each item is numbered and names
who approved it, when and why, from audit/supervisor.jsonl ("unknown" when no audit line
matches). It warns when the manifest was edited since the bottle started.

--write turns route items into a change of the bottle's manifest: for each chosen item's
host, the manifest's routes for that host become its live routes (a host gone from the live
file leaves the manifest). The provider's sign-in route and time-boxed grants are never
written. It prints the manifest diff, asks "write <file>? [y/N]", checks the new manifest with
the loader \`manifest check\` runs, writes it atomically, and prints which routes the manifest
would start now against the live ones.

options:
  --json      print {"slug","manifest","manifest_changed","items":[{"kind","change","detail",
              "host"?,"approved_by","approved_at","reason","proposal_id"}]}; manifest_changed
              is null when the bottle's start recorded no manifest sha256
  --write     write route items into the manifest (default: every added, widened or changed
              route; a removed route only when chosen with --only)
  --only N,M  the item numbers to write (route items only)
  --yes       write without asking (needed when stdin is not a terminal)
  --force     write even though the manifest was edited since the bottle started (or its
              start recorded no manifest sha256)
`,
  options,
  positionals: [1, 1],
  async run(args, io: CliIo) {
    const { policyState } = await import('./collect.js');
    const { jsonSafe, terminalSafe } = await import('../../lib/terminal-safe.js');
    const slug = args.positionals[0]!;
    const { write, json, only, yes, force } = args.values;
    if (!write && (only !== undefined || yes || force))
      throw new BottleError('USAGE', '--only, --yes and --force go with --write', {
        hint: 'run `claude-bottle policy diff --help`',
      });
    if (write && json)
      throw new BottleError('USAGE', '--write prints a diff and asks; it takes no --json', {
        hint: 'run `claude-bottle policy diff <slug> --json` for the listing',
      });
    const state = await policyState(resolveHome(io.env, io.cwd), io.cwd, slug, io.env);
    const { diff } = state;
    if (json) {
      io.stdout.write(`${jsonSafe(diff)}\n`);
      return 0;
    }
    io.stdout.write(
      terminalSafe(`--- ${diff.manifest} (what it would start)\n+++ ${slug} live-config/\n`),
    );
    if (diff.manifest_changed === true)
      io.stdout.write(
        terminalSafe(
          `warning: ${diff.manifest} was edited since ${slug} started: this compares live-config/ with the manifest as it is now\n`,
        ),
      );
    if (diff.items.length === 0) io.stdout.write('  (no difference)\n');
    diff.items.forEach((item, index) => {
      const sign = item.change === 'removed' ? '-' : '+';
      io.stdout.write(
        terminalSafe(
          `${sign} [${index + 1}] ${item.kind} ${item.change}: ${item.detail}\n    approved by ${item.approved_by} at ${item.approved_at}${item.proposal_id ? ` (${item.proposal_id})` : ''}: ${item.reason}\n`,
        ),
      );
    });
    if (!write) return 0;
    const { writeChosenRoutes } = await import('./write-command.js');
    io.stdout.write('\n');
    return writeChosenRoutes(state, { only, yes: yes === true, force: force === true }, io);
  },
};
