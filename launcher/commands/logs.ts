import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

const SERVICES = ['agent', 'egress-proxy', 'git-gate', 'supervise'];
const options = { follow: { type: 'boolean', short: 'f' } } as const;

export const logsCommand: Command<typeof options> = {
  name: 'logs',
  summary: "print a bottle's container logs (the proxy's decisions, the gate's operations, …)",
  help: `usage: claude-bottle logs <slug> [agent|egress-proxy|git-gate|supervise] [--follow]

Prints the logs of one service, or of all. egress-proxy prints one JSON line per decision;
git-gate one per git operation.

options:
  --follow, -f   keep printing new lines until Ctrl-C
`,
  options,
  positionals: [1, 2],
  async run(args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { composeLogs } = await import('../compose.js');
    const { instanceLayout } = await import('../instances.js');
    const [slug, service] = args.positionals as [string, string | undefined];
    if (service && !SERVICES.includes(service)) {
      throw new BottleError('USAGE', `no service "${service}"`, {
        hint: `one of: ${SERVICES.join(', ')}`,
      });
    }
    const { layout, metadata } = await instanceLayout(slug, { env: io.env, cwd: io.cwd });
    if (service && !metadata.services.includes(service)) {
      throw new BottleError('USAGE', `bottle ${slug} has no ${service} service`, {
        hint: `its services: ${metadata.services.join(', ')}`,
      });
    }
    return composeLogs(
      { file: layout.composeFile, env: io.env, signal: io.signal },
      service ? [service] : [],
      {
        follow: args.values.follow ?? false,
        stdout: io.stdout,
        stderr: io.stderr,
      },
    );
  },
};
