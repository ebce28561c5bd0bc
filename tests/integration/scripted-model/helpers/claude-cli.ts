import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The real Claude Code CLI, from the cache tests/fixtures/scripted-model/fetch-cli.sh fills:
 * $CLAUDE_BOTTLE_TEST_CACHE (default ~/.cache/claude-bottle-test)/claude-code/<version>/package/claude,
 * `current` pointing at the last one fetched. CLAUDE_CODE_VERSION picks another cached version.
 * Independent of CLAUDE_BOTTLE_HOME: these tests never touch a user's bottles.
 */
export function claudeBinary(): { path: string; version: string } {
  const root = join(
    process.env.CLAUDE_BOTTLE_TEST_CACHE ?? join(homedir(), '.cache', 'claude-bottle-test'),
    'claude-code',
  );
  const dir = join(root, process.env.CLAUDE_CODE_VERSION ?? 'current');
  const path = join(dir, 'package', 'claude');
  if (!existsSync(path)) {
    throw new Error(
      `the Claude Code CLI is not cached at ${path}.\n` +
        `Fetch it (npm pack from the registry, nothing is executed): tests/fixtures/scripted-model/fetch-cli.sh ${process.env.CLAUDE_CODE_VERSION ?? ''}`.trimEnd(),
    );
  }
  return { path, version: realpathSync(dir).split('/').at(-1) ?? 'unknown' };
}

export interface ClaudeRun {
  exitCode: number | null;
  /** The stream-json events, one per stdout line. */
  events: Record<string, unknown>[];
  stderr: string;
  /** The final `result` event. */
  result: Record<string, unknown> | undefined;
}

export interface ClaudeRunOptions {
  cwd: string;
  /** HOME for the CLI: ~/.claude (sessions, settings) and ~/.claude.json land here. */
  home: string;
  baseUrl: string;
  prompt: string;
  /** Extra environment (ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, proxies). */
  env: Record<string, string>;
  args?: string[];
  /** A kill switch against a hung CLI, not a timing assertion (default 300 s). */
  killAfterMs?: number;
}

/**
 * The environment an unattended CLI needs and nothing else from ours (no real key can leak in):
 * CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC stops every call besides the model (measured: without
 * it the CLI reaches api.anthropic.com for /api/directory/server-urls, /api/eval/sdk-…,
 * /api/event_logging/v2/batch, and sends HEAD /api/hello to the base URL). The other three are
 * its documented parts, set too so a future split of the umbrella variable does not reopen them.
 * As root, --permission-mode bypassPermissions is refused unless IS_SANDBOX=1.
 */
export function unattendedEnv(options: ClaudeRunOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    // It keeps task output in $TMPDIR/claude-<uid>/ and a socket in $TMPDIR/cc-socks/: keep them
    // in the test's directory, which is removed afterwards.
    TMPDIR: join(options.home, 'tmp'),
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
    ...options.env,
  };
}

export async function runClaude(options: ClaudeRunOptions): Promise<ClaudeRun> {
  const { path } = claudeBinary();
  await mkdir(join(options.home, 'tmp'), { recursive: true });
  const args = [
    '-p',
    options.prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    '--permission-mode',
    'bypassPermissions',
    ...(options.args ?? []),
  ];
  const child = spawn(path, args, {
    cwd: options.cwd,
    env: unattendedEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the kill switch must reach the shells and tools it started too,
    // or they keep the pipes open and the run never ends.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const killer = setTimeout(killGroup, options.killAfterMs ?? 300_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      killGroup(); // leftovers (a background shell) would hold stdout open
      resolve(code);
    });
  });
  if (!child.stdout.closed) await new Promise((resolve) => child.stdout.once('close', resolve));
  clearTimeout(killer);
  const events = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { type: 'unparsed', line };
      }
    });
  return {
    exitCode,
    events,
    stderr,
    result: [...events].reverse().find((event) => event.type === 'result'),
  };
}
