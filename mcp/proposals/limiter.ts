/**
 * How many new proposals one bottle's agent may file. The agent can call a tool as often as it
 * likes; without a bound, a loop (or a prompt-injected flood) buries the one proposal that
 * matters under thousands the operator must scroll past, and fills the queue folder. A
 * supervise server serves exactly one bottle, so these limits are per bottle.
 */
export interface ProposalLimits {
  /** Undecided proposals the agent may have queued at once. */
  maxUndecided: number;
  /** New proposals queued within any `windowMs`. */
  perWindow: number;
  windowMs: number;
}

/** An agent blocks on one call at a time; 20 waiting or 30 a minute is already a flood. */
export const DEFAULT_PROPOSAL_LIMITS: ProposalLimits = {
  maxUndecided: 20,
  perWindow: 30,
  windowMs: 60_000,
};

export type LimitVerdict = { ok: true } | { ok: false; message: string; hint: string };

/**
 * Decides whether one more proposal may be queued. Callers hold the queue lock across
 * `check` and `record`, so concurrent calls can never overshoot either limit. Re-attaching to
 * an identical undecided proposal files nothing and is never limited; a proposal that
 * supersedes older ones counts like any other (they stay queued until the supervisor
 * archives them).
 */
export class ProposalLimiter {
  private queuedAt: number[] = [];

  constructor(
    readonly limits: ProposalLimits = DEFAULT_PROPOSAL_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `undecided`: how many of this bottle's agent proposals wait for a decision right now. */
  check(undecided: number): LimitVerdict {
    const { maxUndecided, perWindow, windowMs } = this.limits;
    if (undecided >= maxUndecided) {
      return {
        ok: false,
        message: `this bottle already has ${undecided} proposals waiting for the operator (the limit is ${maxUndecided})`,
        hint: 'wait for the operator: call await-proposal with a proposal_id you already hold, or resubmit one of those proposals unchanged (that re-attaches to it); file new ones once some are decided',
      };
    }
    const now = this.now();
    this.queuedAt = this.queuedAt.filter((at) => at > now - windowMs);
    if (this.queuedAt.length >= perWindow) {
      const retryInS = Math.max(1, Math.ceil((this.queuedAt[0]! + windowMs - now) / 1000));
      return {
        ok: false,
        message: `${this.queuedAt.length} proposals were filed in the last ${windowMs / 1000} s (the limit is ${perWindow})`,
        hint: `call again in ${retryInS} s; meanwhile call await-proposal on a proposal you already filed`,
      };
    }
    return { ok: true };
  }

  /** Counts a proposal that was queued (after `check` said ok). */
  record(): void {
    this.queuedAt.push(this.now());
  }
}
