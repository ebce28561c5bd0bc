import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** `$CLAUDE_BOTTLE_HOME`, default `~/.claude-bottle`; relative values resolve against cwd. */
export function resolveHome(env: NodeJS.ProcessEnv, cwd: string): string {
  const configured = env.CLAUDE_BOTTLE_HOME;
  if (configured && configured.length > 0)
    return isAbsolute(configured) ? configured : resolve(cwd, configured);
  return join(env.HOME && env.HOME.length > 0 ? env.HOME : homedir(), '.claude-bottle');
}

/** Where a bottle instance's state lives: `$CLAUDE_BOTTLE_HOME/state/<slug>/`. */
export function stateRoot(home: string): string {
  return join(home, 'state');
}

export function stateDirOf(home: string, slug: string): string {
  return join(stateRoot(home), slug);
}

/**
 * The home's Ed25519 signing key for `claude-bottle evidence` (created on first use): the
 * private key (0600, never printed) and its public half (PEM, to pin with --public-key).
 */
export function evidenceKeyPaths(home: string) {
  const dir = join(home, 'keys');
  return {
    dir,
    privateKey: join(dir, 'evidence-ed25519.pem'),
    publicKey: join(dir, 'evidence-ed25519.pub.pem'),
  };
}
