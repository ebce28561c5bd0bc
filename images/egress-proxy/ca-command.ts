import type { Command } from '../../lib/cli-args.js';

/** The `ca init DIR` verb; the CLI re-exports it. */
export const caInitCommandSpec: Command<Record<string, never>> = {
  name: 'ca init',
  summary: 'create a per-bottle CA (DIR/ca.crt, DIR/ca.key)',
  help: `usage: claude-bottle ca init DIR

Creates a fresh certificate authority for one bottle: DIR/ca.crt (give it to the agent's
trust store) and DIR/ca.key (mode 0600; only the egress proxy reads it). ECDSA P-256, valid
ten years, path length 0. DIR is created when missing. Refuses to overwrite an existing
DIR/ca.key.

options:
  -h, --help   show this help
`,
  options: {},
  positionals: [1, 1],
  async run(args, io) {
    const dir = args.positionals[0]!;
    // Loaded on use: the certificate libraries cost the other verbs' start-up otherwise.
    const { createCa } = await import('./ca.js');
    const files = await createCa(dir);
    io.stdout.write(`${files.cert}\n${files.key}\n`);
    return 0;
  },
};
