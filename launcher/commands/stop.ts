import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

const options = { all: { type: 'boolean' } } as const;

export const stopCommand: Command<typeof options> = {
  name: 'stop',
  summary: 'stop a bottle: remove its containers and networks, keep its state and workspace',
  help: `usage: claude-bottle stop <slug> | --all

Removes the bottle's containers and networks (docker compose down). state/<slug>/ and the
workspace volume are kept: \`claude-bottle resume <slug>\` brings it back.

options:
  --all   stop every bottle whose status is running or starting
`,
  options,
  positionals: [0, 1],
  async run(args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { listInstances, stopInstance } = await import('../instances.js');
    const deps = { env: io.env, cwd: io.cwd, signal: io.signal };
    let slugs = args.positionals;
    if (args.values.all) {
      if (slugs.length > 0)
        throw new BottleError('USAGE', 'stop takes a slug or --all, not both', {
          hint: 'run `claude-bottle stop --help`',
        });
      const { instances } = await listInstances(deps);
      slugs = instances
        .filter((i) => i.status === 'running' || i.status === 'starting')
        .map((i) => i.slug);
    } else if (slugs.length === 0) {
      throw new BottleError('USAGE', 'stop needs a slug or --all', {
        hint: 'run `claude-bottle list` for the slugs',
      });
    }
    for (const slug of slugs) {
      const metadata = await stopInstance(slug, deps);
      io.stdout.write(`${slug} ${metadata.status}\n`);
    }
    return 0;
  },
};
