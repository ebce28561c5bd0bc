import type { Command } from '../../lib/cli-args.js';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'start a stopped bottle again with its state, workspace and transcript',
  help: `usage: claude-bottle resume <slug>

Brings a stopped bottle's compose project up again from state/<slug>/docker-compose.yml,
with its images, workspace volume, transcript and live-config as they were. The bottle's
secrets are resolved again from its manifest (they are never stored).
`,
  options: {},
  positionals: [1, 1],
  async run(args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { createDocker } = await import('../docker.js');
    const { resumeInstance } = await import('../instances.js');
    const docker = createDocker(io.env);
    await docker.ping();
    const metadata = await resumeInstance(args.positionals[0]!, {
      env: io.env,
      cwd: io.cwd,
      signal: io.signal,
      docker,
    });
    io.stdout.write(`${metadata.slug} ${metadata.status}\n`);
    return 0;
  },
};
