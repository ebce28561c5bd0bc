import { BottleError } from '../../lib/errors.js';
import { formatYamlIssue } from '../../lib/yaml-schema.js';
import type { GitUser } from './schema.js';
import type { LoadedAgent, LoadedBottle, ManifestSet } from './types.js';

export interface Selection {
  agent: LoadedAgent;
  bottle: LoadedBottle;
  /** The bottle's git.user overlaid by the agent's claim (the bottle does not vouch for it). */
  gitUser: Partial<GitUser> | undefined;
}

/**
 * Picks the agent and its bottle for `start`. Problems in the files it would use are fatal;
 * problems elsewhere are not (a broken unrelated agent must not block every start).
 */
export function selectAgentAndBottle(
  set: ManifestSet,
  agentName: string,
  bottleName: string | undefined,
): Selection {
  const agent = set.agents.find((candidate) => candidate.name === agentName);
  const own = set.errors.filter((issue) => issue.file.endsWith(`/${agentName}.md`));
  if (!agent) {
    throw new BottleError(
      own.length > 0 ? 'MANIFEST_INVALID' : 'NOT_FOUND',
      own.length > 0
        ? `agent "${agentName}" is invalid:\n${own.map(formatYamlIssue).join('\n')}`
        : `no agent "${agentName}" in ${set.home}/agents/ or .claude-bottle/agents/`,
      {
        hint: `known agents: ${set.agents.map((a) => a.name).join(', ') || '(none)'}; run \`claude-bottle manifest check\``,
      },
    );
  }
  const wanted = bottleName ?? ('bottle' in agent.config ? agent.config.bottle : undefined);
  if (!wanted) {
    throw new BottleError(
      'USAGE',
      `agent "${agentName}" names no bottle and --bottle was not given`,
      {
        hint: `pass --bottle NAME (one of: ${set.bottles.map((b) => b.name).join(', ') || 'none yet'})`,
      },
    );
  }
  const bottle = set.bottles.find((candidate) => candidate.name === wanted);
  if (!bottle) {
    const broken = set.errors.filter((issue) => issue.file.endsWith(`/bottles/${wanted}.md`));
    throw new BottleError(
      broken.length > 0 ? 'MANIFEST_INVALID' : 'NOT_FOUND',
      broken.length > 0
        ? `bottle "${wanted}" is invalid:\n${broken.map(formatYamlIssue).join('\n')}`
        : `no bottle "${wanted}" in ${set.home}/bottles/`,
      {
        hint: `known bottles: ${set.bottles.map((b) => b.name).join(', ') || '(none)'}; bottles are read only from $CLAUDE_BOTTLE_HOME/bottles/`,
      },
    );
  }
  const relevant = set.errors.filter(
    (issue) => issue.file === agent.file || issue.file === bottle.file,
  );
  if (relevant.length > 0) {
    throw new BottleError('MANIFEST_INVALID', relevant.map(formatYamlIssue).join('\n'), {
      hint: 'fix the lines named above; `claude-bottle manifest check` lists every problem',
    });
  }
  const claimed = 'git' in agent.config ? agent.config.git?.user : undefined;
  const base = bottle.config.git.user;
  const gitUser = base || claimed ? { ...base, ...claimed } : undefined;
  return { agent, bottle, gitUser };
}
