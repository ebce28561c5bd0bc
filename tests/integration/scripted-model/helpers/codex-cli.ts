import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The real Codex CLI, from the cache `tests/fixtures/scripted-model/fetch-cli.sh codex` fills:
 * $CLAUDE_BOTTLE_TEST_CACHE (default ~/.cache/claude-bottle-test)/codex/<version>/package/vendor/
 * <target triple>/bin/codex, `current` pointing at the last one fetched. CODEX_VERSION picks
 * another cached version.
 */
export function codexBinary(): { path: string; version: string } {
  const root = join(
    process.env.CLAUDE_BOTTLE_TEST_CACHE ?? join(homedir(), '.cache', 'claude-bottle-test'),
    'codex',
  );
  const dir = join(root, process.env.CODEX_VERSION ?? 'current');
  const vendor = join(dir, 'package', 'vendor');
  const triple = existsSync(vendor) ? readdirSync(vendor)[0] : undefined;
  const path = triple && join(vendor, triple, 'bin', 'codex');
  if (!path || !existsSync(path)) {
    throw new Error(
      `the Codex CLI is not cached under ${dir}.\n` +
        `Fetch it (npm pack from the registry, nothing is executed): tests/fixtures/scripted-model/fetch-cli.sh codex ${process.env.CODEX_VERSION ?? ''}`.trimEnd(),
    );
  }
  return { path, version: realpathSync(dir).split('/').at(-1) ?? 'unknown' };
}

export interface CodexRun {
  exitCode: number | null;
  /** The --json events, one per stdout line. */
  events: Record<string, unknown>[];
  stderr: string;
  /** The text of the last agent_message item. */
  lastMessage: string | undefined;
  threadId: string | undefined;
}

export interface CodexRunOptions {
  cwd: string;
  /** HOME for the CLI and every shell it starts. */
  home: string;
  /** CODEX_HOME: config.toml, sessions/, the sqlite state. */
  codexHome: string;
  /** Arguments after `codex exec` (and the unattended flags), the prompt last. */
  args: string[];
  /** Extra environment (the provider's env_key, proxies). */
  env: Record<string, string>;
  /** A kill switch against a hung CLI, not a timing assertion (default 300 s). */
  killAfterMs?: number;
}

/**
 * `exec` runs one turn without a terminal. The bottle is the sandbox, so no approval prompt
 * and no Codex sandbox (--dangerously-bypass-approvals-and-sandbox); the work dir is no git
 * repository (--skip-git-repo-check); --json prints one event per line. stdin is closed: with a
 * pipe, exec waits to append it to the prompt. --strict-config (tests only) turns a config key a
 * release no longer knows, such as a renamed opt-out, into a failure instead of silent traffic.
 */
export const CODEX_UNATTENDED_FLAGS = [
  '--json',
  '--skip-git-repo-check',
  '--dangerously-bypass-approvals-and-sandbox',
];
const TEST_ONLY_FLAGS = ['--strict-config'];

function unattendedEnv(options: CodexRunOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    CODEX_HOME: options.codexHome,
    // Debugging: Codex's own log on stderr (e.g. RUST_LOG=debug shows every connection it opens).
    ...(process.env.RUST_LOG ? { RUST_LOG: process.env.RUST_LOG } : {}),
    ...options.env,
  };
}

/** `codex exec [subcommand…] FLAGS …args` (e.g. `resume --last`): the subcommand goes first. */
export async function runCodex(
  options: CodexRunOptions,
  subcommand: string[] = [],
): Promise<CodexRun> {
  const { path } = codexBinary();
  await mkdir(options.codexHome, { recursive: true });
  const args = ['exec', ...subcommand, ...CODEX_UNATTENDED_FLAGS, ...TEST_ONLY_FLAGS];
  const child = spawn(path, [...args, ...options.args], {
    cwd: options.cwd,
    env: unattendedEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the kill switch must reach the shells it started too.
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
      killGroup();
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
  const items = events
    .filter((event) => event.type === 'item.completed')
    .map((event) => event.item as { type?: string; text?: string });
  return {
    exitCode,
    events,
    stderr,
    lastMessage: items.filter((item) => item.type === 'agent_message').at(-1)?.text,
    threadId: events.find((event) => event.type === 'thread.started')?.thread_id as
      string | undefined,
  };
}

/** `codex mcp list --json` in a CODEX_HOME: the MCP servers as Codex reads config.toml. */
export async function codexMcpList(home: string, codexHome: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(codexBinary().path, ['mcp', 'list', '--json'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: codexHome },
  });
  return JSON.parse(stdout) as unknown;
}
