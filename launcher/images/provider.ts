import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { BottleError } from '../../lib/errors.js';
import type { Provider } from '../manifest/index.js';

/**
 * The provider CLI's npm package, packed on the host (image builds cannot reach the npm
 * registry) and cached under $CLAUDE_BOTTLE_HOME/cache/. Returns the folder holding the
 * tarball, or an empty folder for `none`.
 */
export async function providerPackageDir(
  provider: Provider,
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = join(home, 'cache', `provider-${provider}`);
  await mkdir(dir, { recursive: true });
  if (provider === 'none') return dir;
  if ((await readdir(dir)).some((name) => name.endsWith('.tgz'))) return dir;
  const spec = env.CLAUDE_BOTTLE_PROVIDER_PACKAGE ?? (await defaultSpec(provider, env));
  const result = await execa('npm', ['pack', spec, '--pack-destination', dir, '--silent'], {
    env,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new BottleError(
      'IMAGE_BUILD_FAILED',
      `cannot pack the ${provider} CLI (${spec}) from the npm registry`,
      {
        hint: `check that \`npm pack ${spec}\` works on this host, or set CLAUDE_BOTTLE_PROVIDER_PACKAGE to a local .tgz`,
      },
    );
  }
  return dir;
}

/** Claude Code ships a native linux-x64 package; Codex publishes it as a version suffix. */
async function defaultSpec(provider: 'claude' | 'codex', env: NodeJS.ProcessEnv): Promise<string> {
  if (provider === 'claude') return '@anthropic-ai/claude-code-linux-x64';
  const view = await execa('npm', ['view', '@openai/codex', 'version'], { env, reject: false });
  const version = view.stdout.trim();
  if (view.exitCode !== 0 || !version) {
    throw new BottleError('IMAGE_BUILD_FAILED', 'cannot find the current @openai/codex version', {
      hint: 'set CLAUDE_BOTTLE_PROVIDER_PACKAGE to a packed codex linux-x64 .tgz',
    });
  }
  return `@openai/codex@${version}-linux-x64`;
}
