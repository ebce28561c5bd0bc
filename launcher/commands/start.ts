import { readFile } from 'node:fs/promises';
import type { Command } from '../../lib/cli-args.js';

const options = {
  bottle: { type: 'string' },
  repo: { type: 'string' },
  branch: { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  'dry-run': { type: 'boolean' },
  prompt: { type: 'string' },
} as const;

export const startCommand: Command<typeof options> = {
  name: 'start',
  summary: 'start an agent in a new bottle (a docker compose project with its own state dir)',
  help: `usage: claude-bottle start <agent> [--bottle NAME] [--repo PATH|URL] [--branch NAME]
                           [--detach] [--dry-run] [--prompt TEXT]

Resolves the agent and its bottle, writes $CLAUDE_BOTTLE_HOME/state/<slug>/, builds the images
it needs (cached by content hash; progress on stderr), brings the compose project up and
attaches this terminal to the agent (Ctrl-P Ctrl-Q detaches, leaving it running).
Every start makes a new slug. On any failure, or Ctrl-C, the containers and networks are
removed and state/<slug>/metadata.json records status "failed" and the reason.

options:
  --bottle NAME    the bottle (default: the agent's own "bottle:")
  --repo PATH|URL  seed the workspace: a local repository (committed history only: untracked
                   and ignored files never enter), or one of the bottle's git remotes (cloned
                   through git-gate). Default: the bottle's first remote, else an empty workspace
  --branch NAME    check the workspace out on this branch (created when missing)
  --detach, -d     do not attach; print the slug and return
  --dry-run        write and print the plan (metadata.json, docker-compose.yml) without
                   touching the engine or resolving secrets
  --prompt TEXT    the first message for the agent (claude and codex providers)
`,
  options,
  positionals: [1, 1],
  async run(args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { composeAttach } = await import('../compose.js');
    const { createDocker } = await import('../docker.js');
    const { startBottle } = await import('../start.js');
    const dryRun = args.values['dry-run'] ?? false;
    const docker = dryRun ? undefined : createDocker(io.env);
    if (docker) await docker.ping();
    const result = await startBottle(
      {
        agent: args.positionals[0]!,
        bottle: args.values.bottle,
        repo: args.values.repo,
        branch: args.values.branch,
        dryRun,
        prompt: args.values.prompt,
      },
      {
        env: io.env,
        cwd: io.cwd,
        signal: io.signal,
        docker,
        progress: (line) => io.stderr.write(`==> ${line}\n`),
      },
    );
    if (dryRun) {
      io.stdout.write(`# ${result.layout.metadata}\n${JSON.stringify(result.metadata, null, 2)}\n`);
      io.stdout.write(
        `# ${result.layout.composeFile}\n${await readFile(result.layout.composeFile, 'utf8')}`,
      );
      return 0;
    }
    io.stdout.write(`${result.slug}\n`);
    if (args.values.detach) {
      io.stderr.write(
        `bottle ${result.slug} is running. Next:\n  claude-bottle logs ${result.slug} egress-proxy     # the proxy's decisions\n  docker compose -f ${result.layout.composeFile} attach agent   # the agent's terminal; Ctrl-P Ctrl-Q detaches\n  claude-bottle stop ${result.slug}\n`,
      );
      return 0;
    }
    return composeAttach({ file: result.layout.composeFile, env: result.composeEnv });
  },
};
