import { appendFile } from 'node:fs/promises';
import { execa } from 'execa';
import { BottleError } from '../lib/errors.js';

/** The only place `docker compose` is run (via execa), so its failures map in one place. */

export interface ComposeEnv {
  env: NodeJS.ProcessEnv;
}

/** `docker compose version --short`, or COMPOSE_UNAVAILABLE with the fix. */
export async function composeVersion({ env }: ComposeEnv): Promise<string> {
  try {
    const result = await execa('docker', ['compose', 'version', '--short'], {
      env,
      extendEnv: false,
      timeout: 20_000,
    });
    return result.stdout.trim();
  } catch (error) {
    throw new BottleError(
      'COMPOSE_UNAVAILABLE',
      '`docker compose` (the compose v2 plugin) is not available',
      {
        hint: 'install the compose v2 plugin: Docker Desktop ships it; on Debian `apt-get install docker-compose` from trixie (see .ci/setup-engine.sh)',
        cause: error,
      },
    );
  }
}

export interface ComposeRun {
  file: string;
  env: NodeJS.ProcessEnv;
  /** compose.log: every engine message of this bottle, appended. */
  log: string;
  signal?: AbortSignal;
}

async function runCompose(run: ComposeRun, args: string[], what: string): Promise<void> {
  const started = new Date().toISOString();
  await appendFile(run.log, `\n# ${started} docker compose ${args.join(' ')}\n`);
  const result = await execa('docker', ['compose', '-f', run.file, ...args], {
    env: run.env,
    extendEnv: false,
    reject: false,
    all: true,
    cancelSignal: run.signal,
  });
  await appendFile(run.log, `${result.all ?? ''}\n# exit ${result.exitCode ?? 'signal'}\n`);
  if (result.isCanceled) throw new BottleError('START_FAILED', `${what} was interrupted`);
  if (result.exitCode !== 0) {
    const lines = (result.all ?? '').trim().split('\n');
    throw new BottleError('START_FAILED', `${what} failed: ${lines.at(-1) ?? 'no output'}`, {
      hint: `the engine's full output is in ${run.log}`,
    });
  }
}

export function composeUp(run: ComposeRun): Promise<void> {
  return runCompose(
    run,
    ['up', '--detach', '--remove-orphans', '--no-build', '--pull', 'never'],
    '`docker compose up`',
  );
}

/**
 * Recreates one service from what the file now says (a new image) and leaves every other
 * container as it is: `--no-deps` never touches the sidecars, so `run.env` needs none of the
 * secrets only they read.
 */
export function composeRecreateService(run: ComposeRun, service: string): Promise<void> {
  return runCompose(
    run,
    ['up', '--detach', '--no-deps', '--no-build', '--pull', 'never', service],
    `\`docker compose up ${service}\``,
  );
}

/** Removes containers and networks; keeps the workspace volume and state/. */
export function composeDown(run: ComposeRun): Promise<void> {
  return runCompose(run, ['down', '--remove-orphans', '--timeout', '5'], '`docker compose down`');
}

/** Streams logs to the given sinks as they arrive (`--follow` runs until the signal). */
export async function composeLogs(
  run: Omit<ComposeRun, 'log'>,
  services: string[],
  options: {
    follow: boolean;
    /** Only the last N lines of each service (the TUI's proxy-decision view). */
    tail?: number;
    stdout: { write(text: string): unknown };
    stderr: { write(text: string): unknown };
  },
): Promise<number> {
  const child = execa(
    'docker',
    [
      'compose',
      '-f',
      run.file,
      'logs',
      '--no-color',
      ...(options.follow ? ['--follow'] : []),
      ...(options.tail === undefined ? [] : ['--tail', String(options.tail)]),
      ...services,
    ],
    { env: run.env, extendEnv: false, reject: false, cancelSignal: run.signal, buffer: false },
  );
  child.stdout?.on('data', (chunk: Buffer) => options.stdout.write(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => options.stderr.write(chunk.toString('utf8')));
  const result = await child;
  return result.isCanceled ? 0 : (result.exitCode ?? 130);
}

/** Attaches this terminal to the agent (Ctrl-P Ctrl-Q detaches and leaves it running). */
export async function composeAttach(run: Omit<ComposeRun, 'log'>): Promise<number> {
  const result = await execa('docker', ['compose', '-f', run.file, 'attach', 'agent'], {
    env: run.env,
    extendEnv: false,
    reject: false,
    stdio: 'inherit',
  });
  return result.exitCode ?? 130;
}
