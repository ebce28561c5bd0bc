import type { Grant } from '../../images/egress-proxy/routes/schema.js';
import type { DockerAdapter } from '../../launcher/docker.js';
import type { ProposalOf, ProposalTool } from '../../mcp/queue/schema.js';
import type { AUDIT_RESULTS } from '../audit/chain.js';
import type { BottleRef } from '../queue/bottles.js';

/** What an engine may touch; tests and the TUI pass their own progress sink and clock. */
export interface EngineDeps {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Made on first use: report-only decisions never need an engine. */
  docker: () => DockerAdapter;
  /** One line of progress (a build's steps, a reload's confirmation). */
  progress: (line: string) => void;
  now: () => Date;
  /** How long the proxy has to confirm a reload (default 10 s). */
  confirmTimeoutMs?: number;
}

export interface ApplyRequest<T extends ProposalTool> {
  bottle: BottleRef;
  proposal: ProposalOf<T>;
  /** The operator's modified file (`approve --edit`, TUI `m`), instead of the proposed one. */
  editedText?: string;
  /** A time-boxed approval (supervisor/grants/): what the new rules carry. */
  grant?: Grant;
}

/**
 * What an engine reports. `applied`: live and confirmed. `failed`: tried and rolled back (the
 * bottle runs as before) — decided with `applied: false`. `stale`: the live file moved on —
 * decided as rejected so the agent proposes again on the current file. Input the operator must
 * fix (an invalid --edit file) and an engine that cannot be reached are thrown instead: nothing
 * is decided and the proposal stays queued.
 */
export type ApplyOutcome =
  | {
      kind: 'applied';
      message: string;
      sha256Before?: string;
      sha256After?: string;
      /** The file that was applied when it differs from the proposal's (an operator edit). */
      modifiedPayload?: Record<string, unknown>;
      /** Work after the decision is written (the capability rebuild replaces the agent then). */
      afterDecision?: () => Promise<{ ok: boolean; message: string }>;
    }
  | { kind: 'failed'; message: string; sha256Before?: string }
  | { kind: 'stale'; message: string; sha256Before?: string };

export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface Engine<T extends ProposalTool> {
  tool: T;
  /** Report-only tools: no modify, and approval needs a reason. */
  reportOnly: boolean;
  /** The file an operator may modify (`--edit`): its current proposed text, or undefined. */
  editableText?: (proposal: ProposalOf<T>) => string;
  apply(request: ApplyRequest<T>, deps: EngineDeps): Promise<ApplyOutcome>;
}
