import type { Command } from '../../lib/cli-args.js';

const options = { json: { type: 'boolean' } } as const;

export const listCommand: Command<typeof options> = {
  name: 'list',
  summary: 'list bottles and what their containers are doing',
  help: `usage: claude-bottle list [--json]

Lists every bottle under $CLAUDE_BOTTLE_HOME/state/, newest first: slug, agent, bottle, the
recorded status and, when the engine answers, each container's state.

options:
  --json   print [{slug, agent, bottle, status, reason, containers: {service: state}, …}]
`,
  options,
  async run(args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { createDocker } = await import('../docker.js');
    const { listInstances } = await import('../instances.js');
    const { instances, broken } = await listInstances({ env: io.env, cwd: io.cwd });
    const docker = createDocker(io.env);
    const rows = [];
    for (const instance of instances) {
      const containers = await docker
        .projectContainers(instance.compose_project)
        .catch(() => undefined);
      rows.push({
        ...instance,
        containers: containers
          ? Object.fromEntries(containers.map((c) => [c.service, c.state]))
          : null,
      });
    }
    if (args.values.json) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0)
      io.stdout.write('no bottles yet (claude-bottle start <agent> makes one)\n');
    for (const row of rows) {
      const live = row.containers
        ? Object.entries(row.containers)
            .map(([service, state]) => `${service}:${state}`)
            .join(' ') || 'no containers'
        : 'engine unreachable';
      io.stdout.write(
        `${row.slug.padEnd(24)} ${row.status.padEnd(8)} agent ${row.agent}, bottle ${row.bottle}  [${live}]\n`,
      );
      if (row.reason) io.stdout.write(`${''.padEnd(24)} reason: ${row.reason.split('\n')[0]}\n`);
    }
    for (const slug of broken)
      io.stderr.write(`warning: state/${slug} has no readable metadata.json\n`);
    return 0;
  },
};
