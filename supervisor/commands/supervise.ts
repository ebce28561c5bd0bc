import type { CliIo, Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

const options = {
  bottle: { type: 'string' },
  'notify-cmd': { type: 'string' },
  'no-tui': { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

export const superviseCommand: Command<typeof options> = {
  name: 'supervise',
  summary: "the operator's TUI: every bottle's proposals, live; approve, modify or reject",
  help: `usage: claude-bottle supervise [--bottle SLUG] [--notify-cmd CMD]
       claude-bottle supervise --no-tui [--bottle SLUG] [--verbose]

A terminal UI over every bottle under $CLAUDE_BOTTLE_HOME/state/, live: bottles started
later appear on their own. Panes: bottles (agent, branch, status, pending count), proposals
(newest first) and the selected proposal — the agent's justification (its unverified
words), the proposed file as a diff against the live one, or the trusted report of git-gate
or the egress proxy. Decisions go through the same engines as \`approve\` and \`reject\`.

keys:
  a            approve (report-only tools — gitleaks-allow, egress-token-allow — ask why)
  m            modify: the proposed file in $VISUAL/$EDITOR, checked on save, the diff
               shown again, applied after you confirm
  g            approve for a time: once, 30m, 2h…, or permanent (manifest diff shown first);
               the proxy stops applying it by itself, \`grants <slug>\` lists what is live
  r            reject, with the reason the agent reads
  l            the bottle's recent egress-proxy decisions
  Tab, ↑↓ j k  switch pane, move;  ? help;  q quit

A new proposal rings the bell and counts in the title. The selection stays on the proposal
you picked: one that arrives above it never takes the keypress.

options:
  --bottle SLUG     only this bottle
  --notify-cmd CMD  run \`sh -c CMD\` on each new proposal, with CLAUDE_BOTTLE_SLUG,
                    CLAUDE_BOTTLE_TOOL, CLAUDE_BOTTLE_PROPOSAL_ID and a one-line
                    CLAUDE_BOTTLE_SUMMARY in its environment (default: supervisor.notify_cmd
                    in $CLAUDE_BOTTLE_HOME/config.yaml); its failures are shown, never fatal
  --no-tui          no screen, no terminal needed: watch the queues, sweep expired and
                    superseded proposals, apply the operator rules (supervisor.rules in
                    config.yaml) and print one line per auto-decision; every other proposal
                    waits for a person. Runs until SIGINT or SIGTERM, then exits 0
  --verbose         with --no-tui: also say on stderr why each proposal was left for a
                    person, and what the sweeps and engines did

Operator rules (docs/operator.md, "Operator rules") approve only egress-proxy-block
proposals that add plain read-only routes to hosts they name, with no caution or danger in
the analysis; decided as the operator auto:<rule name>. They run in the TUI too.

Without --no-tui it needs a terminal; scripts use \`claude-bottle proposals\`, \`approve\`
and \`reject\`.
`,
  options,
  async run(args, io) {
    if (args.values['no-tui']) return runHeadless(args.values, io);
    if (args.values.verbose)
      throw new BottleError('USAGE', '--verbose is for --no-tui: the TUI shows its own log', {
        hint: 'run `claude-bottle supervise --no-tui --verbose`',
      });
    const stdout = io.stdout as { isTTY?: boolean };
    if (stdout.isTTY !== true || process.stdin.isTTY !== true) {
      throw new BottleError('USAGE', 'supervise needs a terminal: stdin or stdout is not a TTY', {
        hint: 'to decide from a script use `claude-bottle proposals`, then `claude-bottle approve <id>` or `reject <id> --reason R`',
      });
    }
    const { resolveHome } = await import('../../lib/home.js');
    const { loadSuperviseConfig } = await import('../tui/config.js');
    // Loaded on use: blessed and chokidar are paid for only by this verb.
    const { runSupervisor } = await import('../tui/app.js');
    const home = resolveHome(io.env, io.cwd);
    // Read even with --notify-cmd: the operator rules come from it too.
    const config = (await loadSuperviseConfig(home)).supervisor;
    const notifyCmd = args.values['notify-cmd'] ?? config?.notify_cmd;
    return runSupervisor({
      home,
      env: io.env,
      cwd: io.cwd,
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
      ...(notifyCmd ? { notifyCmd } : {}),
      ...(config?.rules ? { rules: config.rules } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  },
};

async function runHeadless(
  values: {
    bottle?: string | undefined;
    'notify-cmd'?: string | undefined;
    verbose?: boolean | undefined;
  },
  io: CliIo,
): Promise<number> {
  if (values['notify-cmd'] !== undefined)
    throw new BottleError('USAGE', '--notify-cmd is for the TUI: --no-tui prints its decisions', {
      hint: 'pipe `claude-bottle supervise --no-tui` into your notifier instead',
    });
  const { resolveHome } = await import('../../lib/home.js');
  const { loadSuperviseConfig } = await import('../tui/config.js');
  const { runHeadless: run } = await import('../rules/headless.js');
  const home = resolveHome(io.env, io.cwd);
  const rules = (await loadSuperviseConfig(home)).supervisor?.rules ?? [];
  return run({
    home,
    env: io.env,
    cwd: io.cwd,
    ...(values.bottle ? { slug: values.bottle } : {}),
    rules,
    verbose: values.verbose ?? false,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}
