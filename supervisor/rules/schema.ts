import { z } from 'zod';
import { HostPatternSchema, MethodSchema } from '../../images/egress-proxy/routes/schema.js';

/**
 * An operator rule: `supervisor.rules[]` in `$CLAUDE_BOTTLE_HOME/config.yaml` (the one home of
 * this format; supervisor/tui/config.ts reads it). A rule approves the boring egress-proxy-block
 * proposals on the operator's behalf — see supervisor/rules/judge.ts for when — and is recorded
 * as the operator `auto:<name>`.
 */

/** The one tool a rule may decide: every other one changes more than a named host's reach. */
export const RULE_TOOL = 'egress-proxy-block';

/** Methods a rule may approve: read-only, so an auto-approved route never carries a body out. */
export const RULE_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

const RuleNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'a rule name is lowercase letters, digits, "_" and "-" (it is recorded as the operator auto:<name>)',
  );

const RuleHostSchema = HostPatternSchema.refine((host) => !/^\*\.[^.]+(?::\d+)?$/.test(host), {
  message:
    'a wildcard names at least two labels (*.npmjs.org): a rule never covers a whole top-level domain',
});

const RuleMethodSchema = MethodSchema.refine(
  (method) => (RULE_METHODS as readonly string[]).includes(method),
  {
    message: `a rule approves only read-only methods (${RULE_METHODS.join(', ')}): a method that sends a body waits for a person`,
  },
);

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'a bottle slug as `claude-bottle list` shows it');

/** A missing list says what it is for; a wrong type gets zod's own message. */
function required(key: string, what: string) {
  return (issue: { input: unknown }) =>
    issue.input === undefined ? `${key} is required: ${what}` : undefined;
}

export const OperatorRuleSchema = z.strictObject({
  name: RuleNameSchema,
  tool: z.literal(RULE_TOOL, {
    error: (issue) =>
      `tool ${JSON.stringify(issue.input)} cannot be decided by a rule: rules approve only ${RULE_TOOL}; capability-block, gitleaks-allow and egress-token-allow always wait for a person`,
  }),
  /** Host patterns as in routes.yaml: `registry.npmjs.org`, or `*.npmjs.org` for names below it. */
  hosts: z
    .array(RuleHostSchema, { error: required('hosts', 'the host patterns the rule covers') })
    .min(1, 'hosts lists at least one host pattern'),
  methods: z
    .array(RuleMethodSchema, { error: required('methods', 'the read-only methods it approves') })
    .min(1, 'methods lists at least one method'),
  /** Only proposals from these bottles (default: every bottle). */
  bottles: z.array(SlugSchema).min(1, 'bottles, when present, lists at least one slug').optional(),
});

export type OperatorRule = z.output<typeof OperatorRuleSchema>;

export const OperatorRulesSchema = z.array(OperatorRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.name))
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `rule name "${rule.name}" is used twice: the audit names the rule, so each name is unique`,
      });
    seen.add(rule.name);
  });
});
