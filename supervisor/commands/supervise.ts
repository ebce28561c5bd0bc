import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

const options = {
  bottle: { type: 'string' },
  'notify-cmd': { type: 'string' },
} as const;

export const superviseCommand: Command<typeof options> = {
  name: 'supervise',
  summary: "the operator's TUI: every bottle's proposals, live; approve, modify or reject",
  help: `usage: claude-bottle supervise [--bottle SLUG] [--notify-cmd CMD]

A terminal UI over every bottle under $CLAUDE_BOTTLE_HOME/state/, live: bottles started
later appear on their own. Panes: bottles (agent, branch, status, pending count), proposals
(newest first) and the selected proposal — the agent's justification (its unverified
words), the proposed file as a diff against the live one, or the trusted report of git-gate
or the egress proxy. Decisions go through the same engines as \`approve\` and \`reject\`.

keys:
  a            approve (report-only tools — gitleaks-allow, egress-token-allow — ask why)
  m            modify: the proposed file in $VISUAL/$EDITOR, checked on save, the diff
               shown again, applied after you confirm
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

Needs a terminal; scripts use \`claude-bottle proposals\`, \`approve\` and \`reject\`.
`,
  options,
  async run(args, io) {
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
    const notifyCmd =
      args.values['notify-cmd'] ?? (await loadSuperviseConfig(home)).supervisor?.notify_cmd;
    return runSupervisor({
      home,
      env: io.env,
      cwd: io.cwd,
      ...(args.values.bottle ? { slug: args.values.bottle } : {}),
      ...(notifyCmd ? { notifyCmd } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  },
};
