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
