import type { YamlIssue } from '../../lib/yaml-schema.js';
import type { Bottle, CwdAgentFields, HomeAgentFields } from './schema.js';

/** A problem in a manifest, located for a human: `file:line key.path: message`. */
export type ManifestIssue = YamlIssue;

export interface LoadedBottle {
  name: string;
  file: string;
  /** The Markdown body: notes for the operator, never given to the agent. */
  notes: string;
  config: Bottle;
  /** The line a key path of the front matter sits on (for problems found after parsing). */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
}

export type AgentSource = 'home' | 'cwd';

export interface LoadedAgent {
  name: string;
  file: string;
  source: AgentSource;
  /** The Markdown body: the agent's system prompt. */
  prompt: string;
  config: HomeAgentFields | CwdAgentFields;
  lineOf: (path: readonly (string | number)[]) => number | undefined;
}

export interface ManifestSet {
  home: string;
  bottles: LoadedBottle[];
  agents: LoadedAgent[];
  errors: ManifestIssue[];
}
