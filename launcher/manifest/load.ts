import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { lineAt, parseYamlWithSchema } from '../../lib/yaml-schema.js';
import { checkFiles } from './files.js';
import { splitFrontMatter } from './front-matter.js';
import { checkReferences } from './references.js';
import { BottleSchema, CwdAgentSchema, HomeAgentSchema, MANIFEST_NAME_PATTERN } from './schema.js';
import type {
  AgentSource,
  LoadedAgent,
  LoadedBottle,
  ManifestIssue,
  ManifestSet,
} from './types.js';

export interface LoadOptions {
  /** `$CLAUDE_BOTTLE_HOME`, already resolved. */
  home: string;
  cwd: string;
  /** For `~/` in the file paths a bottle names; default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Text to load in place of a file's content, keyed by the file's path as listed: a manifest
   * about to be written is checked by this same loader before it replaces the file.
   */
  overrides?: ReadonlyMap<string, string>;
}

/**
 * Loads every manifest: bottles only from the home, agents from the home and from
 * `$CWD/.claude-bottle/agents/`. Never throws for bad manifests: every problem is collected,
 * so one run of `manifest check` lists them all.
 */
export async function loadManifests(options: LoadOptions): Promise<ManifestSet> {
  const errors: ManifestIssue[] = [];
  const bottles: LoadedBottle[] = [];
  const invalidBottles: string[] = [];
  for (const file of await markdownFiles(join(options.home, 'bottles'), errors)) {
    const loaded = await loadOne(file, BottleSchema, errors, options.overrides);
    if (!loaded) invalidBottles.push(basename(file, '.md'));
    else
      bottles.push({
        name: loaded.name,
        file,
        notes: loaded.body,
        config: loaded.value,
        lineOf: loaded.lineOf,
      });
  }

  const agents: LoadedAgent[] = [];
  const sources: [AgentSource, string][] = [['home', join(options.home, 'agents')]];
  // A repository can add agents but never a bottle: its bottles/ folder is not even listed.
  const cwdDir = join(options.cwd, '.claude-bottle');
  if (!(await sameDirectory(cwdDir, options.home))) sources.push(['cwd', join(cwdDir, 'agents')]);
  for (const [source, dir] of sources) {
    const schema = source === 'home' ? HomeAgentSchema : CwdAgentSchema;
    for (const file of await markdownFiles(dir, errors)) {
      const loaded = await loadOne(file, schema, errors, options.overrides);
      if (!loaded) continue;
      const clash = agents.find((agent) => agent.name === loaded.name);
      if (clash) {
        errors.push({
          file,
          line: 1,
          path: '',
          message: `agent "${loaded.name}" is also defined in ${clash.file} → rename one of them (an agent from the working directory never shadows a home agent)`,
        });
        continue;
      }
      agents.push({
        name: loaded.name,
        file,
        source,
        prompt: loaded.body,
        config: loaded.value,
        lineOf: loaded.lineOf,
      });
    }
  }
  errors.push(...checkReferences(bottles, agents, invalidBottles));
  errors.push(...(await checkFiles(bottles, options.env ?? process.env)));
  return { home: options.home, bottles, agents, errors };
}

async function loadOne<S extends z.ZodType>(
  file: string,
  schema: S,
  errors: ManifestIssue[],
  overrides: ReadonlyMap<string, string> | undefined,
): Promise<
  | {
      name: string;
      body: string;
      value: z.output<S>;
      lineOf: (path: readonly (string | number)[]) => number | undefined;
    }
  | undefined
> {
  const name = basename(file, '.md');
  let failed = false;
  if (!MANIFEST_NAME_PATTERN.test(name)) {
    errors.push({
      file,
      line: undefined,
      path: '',
      message: `"${name}" is not a valid name (the file name is the name) → use lowercase letters, digits, "-" and "_", e.g. my-agent.md`,
    });
    failed = true;
  }
  let text: string;
  try {
    text = overrides?.get(file) ?? (await readFile(file, 'utf8'));
  } catch (error) {
    errors.push({
      file,
      line: undefined,
      path: '',
      message: `cannot read: ${(error as Error).message}`,
    });
    return undefined;
  }
  const split = splitFrontMatter(text);
  if (!split.ok) {
    errors.push({ file, line: 1, path: '', message: split.message });
    return undefined;
  }
  const result = parseYamlWithSchema(split.value.yaml, schema, {
    file,
    lineOffset: split.value.lineOffset,
  });
  if (!result.ok) {
    errors.push(...result.issues);
    return undefined;
  }
  const { yaml, lineOffset } = split.value;
  return failed
    ? undefined
    : {
        name,
        body: split.value.body,
        value: result.value,
        lineOf: (path) => lineAt(yaml, path, lineOffset),
      };
}

async function markdownFiles(dir: string, errors: ManifestIssue[]): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.name.endsWith('.md') && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => join(dir, entry.name))
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    errors.push({
      file: dir,
      line: undefined,
      path: '',
      message: `cannot list: ${(error as Error).message}`,
    });
    return [];
  }
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}
