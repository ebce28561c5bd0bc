import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BottleError } from '../../lib/errors.js';
import { formatYamlIssue, parseYamlWithSchema } from '../../lib/yaml-schema.js';
import { OperatorRulesSchema } from '../rules/schema.js';

/**
 * The supervisor's part of `$CLAUDE_BOTTLE_HOME/config.yaml`. Other top-level sections belong
 * to other parts of claude-bottle, so only this one is strict.
 */
export const SuperviseConfigSchema = z.looseObject({
  supervisor: z
    .strictObject({
      /** Run through `sh -c` on each new proposal (`--notify-cmd` overrides it). */
      notify_cmd: z.string().min(1).optional(),
      /** Operator rules: egress-proxy-block proposals approved as `auto:<name>` (supervisor/rules/). */
      rules: OperatorRulesSchema.optional(),
    })
    .optional(),
});

export type SuperviseConfig = z.output<typeof SuperviseConfigSchema>;

/** Reads config.yaml; a missing file is an empty config, an invalid one CONFIG_INVALID. */
export async function loadSuperviseConfig(home: string): Promise<SuperviseConfig> {
  const file = join(home, 'config.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = parseYamlWithSchema(text, SuperviseConfigSchema, { file });
  if (parsed.ok) return parsed.value;
  throw new BottleError('CONFIG_INVALID', parsed.issues.map(formatYamlIssue).join('\n'), {
    hint: 'fix the lines named above (supervisor.notify_cmd is a shell command string; supervisor.rules is described in docs/operator.md, "Operator rules")',
  });
}
