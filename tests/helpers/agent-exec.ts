import { execa } from 'execa';

export interface AgentExec {
  exitCode?: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in a bottle's agent container as the agent's uid (1000), as the agent
 * process itself runs: `docker compose exec` without it is the operator's root door.
 */
export async function execAsAgent(
  composeFile: string,
  argv: string[],
  options: { input?: string; timeout?: number } = {},
): Promise<AgentExec> {
  const run = await execa(
    'docker',
    ['compose', '-f', composeFile, 'exec', '-T', '-u', '1000:1000', 'agent', ...argv],
    {
      reject: false,
      timeout: options.timeout ?? 120_000,
      ...(options.input === undefined ? {} : { input: options.input }),
    },
  );
  return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}
