import type { Command } from '../../lib/cli-args.js';

const options = { reason: { type: 'string' } } as const;

export const routesEditCommand: Command<typeof options> = {
  name: 'routes edit',
  summary: "edit a bottle's live routes.yaml in $EDITOR; validated, applied live, audited",
  help: `usage: claude-bottle routes edit <slug> [--reason R]

Opens a copy of the bottle's live routes.yaml in $VISUAL or $EDITOR (default vi). On save it
is validated with the proxy's own parser, written to live-config/, the proxy reloaded and the
reload confirmed — the same engine an approved egress-proxy-block uses — and recorded in the
audit log as your own change. An invalid file, or a file that changed meanwhile, changes
nothing and your edited copy is kept (its path is printed).

options:
  --reason R   why, for the audit log (default: "operator edit")
`,
  options,
  positionals: [1, 1],
  async run(args, io) {
    const { editRoutes } = await import('../routes-edit.js');
    return editRoutes(args.positionals[0]!, args.values.reason, io);
  },
};
