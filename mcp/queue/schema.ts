import { z } from 'zod';
import { FindingRecordSchema } from '../../images/git-gate/finding.js';

/**
 * The proposal queue contract: one home. The supervise MCP server and the egress proxy write
 * proposals; the supervisor writes decisions. Readers tolerate unknown keys so an older sidecar
 * never chokes on a newer supervisor; writers produce exactly these shapes. Proposals come from
 * the agent's side, so their unknown keys are dropped on reading (z.object strips): nothing
 * an agent adds is carried into a decision, an archive record or an operator's screen.
 */

export const QUEUE_SOURCES = ['agent', 'egress-proxy'] as const;
export type QueueSource = (typeof QUEUE_SOURCES)[number];

export const AGENT_TOOLS = ['egress-proxy-block', 'capability-block', 'gitleaks-allow'] as const;
export const PROXY_TOOLS = ['egress-token-allow'] as const;
export type ProposalTool = (typeof AGENT_TOOLS)[number] | (typeof PROXY_TOOLS)[number];

/** Which tools each producer may file; a reader refuses any other pairing. */
export const TOOLS_BY_SOURCE: Record<QueueSource, readonly ProposalTool[]> = {
  agent: AGENT_TOOLS,
  'egress-proxy': PROXY_TOOLS,
};

/** `<source>-<utc timestamp>-<random>`, e.g. agent-20261124T215501Z-3f9a0c2b. */
export const PROPOSAL_ID_PATTERN = /^(agent|egress-proxy)-\d{8}T\d{6}Z-[0-9a-f]{8}$/;
export const ProposalIdSchema = z.string().regex(PROPOSAL_ID_PATTERN, 'not a proposal id');

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const EgressProxyBlockPayloadSchema = z.object({
  routes_yaml: z.string(),
  base_sha256: Sha256Schema,
});

export const CapabilityBlockPayloadSchema = z.object({
  dockerfile: z.string(),
  base_sha256: Sha256Schema,
});

export const GitleaksAllowPayloadSchema = z.object({
  finding_ids: z.array(z.string()).min(1),
  findings: z.array(FindingRecordSchema.strip()),
});

export const EgressTokenAllowPayloadSchema = z.object({
  host: z.string(),
  method: z.string(),
  path: z.string(),
  detector: z.string(),
  redacted_context: z.string(),
  value_sha256: Sha256Schema,
});

/** At most this many older proposals one new proposal names in `supersedes`. */
export const MAX_SUPERSEDES = 50;

const ProposalBase = {
  v: z.literal(1),
  id: ProposalIdSchema,
  justification: z.string(),
  created_at: z.iso.datetime(),
  /** A proxy-filed proposal's deadline: the held request is refused then; the supervisor archives it as expired. */
  expires_at: z.iso.datetime().optional(),
  /**
   * Agent proposals only: older undecided proposals of the same tool that this one replaces.
   * A request, not a fact: the supervisor archives each as `superseded` unless an operator
   * holds its claim or it is decided already (then both stay, and each gets its own answer).
   */
  supersedes: z.array(ProposalIdSchema).min(1).max(MAX_SUPERSEDES).optional(),
};

export const ProposalSchema = z.discriminatedUnion('tool', [
  z.object({
    ...ProposalBase,
    tool: z.literal('egress-proxy-block'),
    payload: EgressProxyBlockPayloadSchema,
  }),
  z.object({
    ...ProposalBase,
    tool: z.literal('capability-block'),
    payload: CapabilityBlockPayloadSchema,
  }),
  z.object({
    ...ProposalBase,
    tool: z.literal('gitleaks-allow'),
    payload: GitleaksAllowPayloadSchema,
  }),
  z.object({
    ...ProposalBase,
    tool: z.literal('egress-token-allow'),
    payload: EgressTokenAllowPayloadSchema,
  }),
]);

export type Proposal = z.output<typeof ProposalSchema>;
export type ProposalOf<T extends ProposalTool> = Extract<Proposal, { tool: T }>;

/**
 * How long an approval lasts, as a decision (read by the proxy) and its audit line (strict there)
 * record it: the one home of these fields (supervisor/grants/ makes them).
 */
export const GRANT_RECORD_FIELDS = {
  id: z.string(),
  lifetime: z.enum(['once', 'for', 'bottle', 'permanent']),
  expires_at: z.iso.datetime().optional(),
  uses: z.number().int().positive().optional(),
};

export const DecisionSchema = z.looseObject({
  v: z.literal(1),
  id: ProposalIdSchema,
  decision: z.enum(['approved', 'rejected']),
  reason: z.string(),
  decided_by: z.string(),
  decided_at: z.iso.datetime(),
  modified_payload: z.record(z.string(), z.unknown()).optional(),
  applied: z.boolean().optional(),
  message: z.string().optional(),
  /** sha256 of the proposal file's bytes the decision was made on. */
  proposal_sha256: z.string().optional(),
  /**
   * How long an approval lasts (supervisor/grants/); absent: the bottle's life. The proxy reads
   * it for egress-token-allow: `once` lets only the held request through, `expires_at` ends
   * the allowance.
   */
  grant: z.looseObject(GRANT_RECORD_FIELDS).optional(),
});

export type Decision = z.output<typeof DecisionSchema>;

/**
 * Why a proposal left pending/: written into its archive/<id>.json copy by the supervisor,
 * the only mover. `decided` points at decided/<id>.json; `expired` had no decision in time;
 * `superseded` was replaced, undecided, by the newer proposal `superseded_by`.
 */
export const ArchiveNoteSchema = z.looseObject({
  status: z.enum(['decided', 'expired', 'withdrawn', 'superseded']),
  at: z.iso.datetime(),
  by: z.string(),
  superseded_by: ProposalIdSchema.optional(),
});

export type ArchiveNote = z.output<typeof ArchiveNoteSchema>;

/** Size caps on what an agent may submit (MCP inputs and queue files alike). */
export const LIMITS = {
  justificationBytes: 8 * 1024,
  fileBytes: 256 * 1024,
  /** A proposal file on disk: the file cap plus room for copied finding records. */
  proposalFileBytes: 1024 * 1024,
} as const;
