import { execFileSync } from 'node:child_process';

/**
 * Tests that need a Docker engine: they run, and fail loudly when no engine answers.
 * Only `CLAUDE_BOTTLE_SKIP_DOCKER=1`, set by hand, skips them.
 */
export const dockerSuite: { skip?: string } =
  process.env.CLAUDE_BOTTLE_SKIP_DOCKER === '1'
    ? { skip: 'CLAUDE_BOTTLE_SKIP_DOCKER=1 was set by hand' }
    : {};

/** Throws a clear error when the engine is unreachable; call it in `before()`. */
export function assertDockerAvailable(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'pipe',
      timeout: 20_000,
    });
  } catch {
    throw new Error(
      'these tests need a running Docker engine and none answers (`docker info` failed). ' +
        'Run `bash .ci/setup-engine.sh` as root on Debian, or set CLAUDE_BOTTLE_SKIP_DOCKER=1 to skip them deliberately.',
    );
  }
}
