import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '../../lib/log.js';
import { newProposalId } from '../../mcp/queue/ids.js';
import { queuePaths } from '../../mcp/queue/paths.js';
import type { Decision } from '../../mcp/queue/schema.js';
import { waitForDecision, writeProposal } from '../../mcp/queue/store.js';
import type { DlpHit } from './dlp/engine.js';

/** Where a held request was going: what the proposal shows the human. */
export interface HeldRequest {
  host: string;
  method: string;
  path: string;
}

export type TokenVerdict = { pass: true } | { pass: false; reason: string };

/** An approval as the proxy keeps it: until when, and which decision (for a revocation). */
interface Allowance {
  until: number;
  proposal: string;
}

type Answer =
  { pass: true; grant?: Decision['grant']; proposal: string } | { pass: false; reason: string };

export interface TokenAllowOptions {
  /** The queue root; absent means nobody can be asked, so every hit is refused. */
  queueDir: string | undefined;
  timeoutMs: number;
  pollMs?: number;
  logger: Logger;
  /** Aborted when the proxy stops: a held request is then refused. */
  signal?: AbortSignal;
  /** Proposals that may wait for the operator at once (default MAX_WAITING_PROPOSALS). */
  maxWaiting?: number;
}

/**
 * The agent chooses what it sends: without a bound, a loop over made-up tokens files one
 * proposal per request and buries the operator. Past this many open questions a new flagged
 * value is refused without asking (fail closed); the same value to the same host still joins
 * its waiting proposal.
 */
export const MAX_WAITING_PROPOSALS = 20;

/**
 * The token-allow flow. A hit on a well-known token format files an `egress-token-allow`
 * proposal and waits for the human; approval remembers (sha256 of the value, host) for the
 * proxy's life. Own-secret hits, rejection, timeout, a malformed decision or no queue refuse.
 */
export class TokenAllow {
  private readonly approved = new Map<string, Allowance>();
  private readonly waiting = new Map<string, Promise<Answer>>();

  constructor(private readonly options: TokenAllowOptions) {}

  /** Decides a set of hits for one request; the first refusal wins. */
  async decide(hits: readonly DlpHit[], request: HeldRequest): Promise<TokenVerdict> {
    for (const hit of hits) {
      const verdict = await this.decideOne(hit, request);
      if (!verdict.pass) return verdict;
    }
    return { pass: true };
  }

  private decideOne(hit: DlpHit, request: HeldRequest): Promise<TokenVerdict> {
    if (hit.own) {
      return Promise.resolve({
        pass: false,
        reason:
          "it is one of the bottle's own secrets, which never leave through the agent (not approvable)",
      });
    }
    const valueSha = createHash('sha256').update(hit.value, 'latin1').digest('hex');
    const key = `${valueSha} ${request.host}`;
    if (this.allowed(key)) return Promise.resolve({ pass: true });
    if (!this.options.queueDir) {
      return Promise.resolve({
        pass: false,
        reason: 'the proxy runs without a proposal queue, so nobody can approve it',
      });
    }
    // Concurrent requests carrying the same value to the same host share one proposal.
    let verdict = this.waiting.get(key);
    const maxWaiting = this.options.maxWaiting ?? MAX_WAITING_PROPOSALS;
    if (!verdict && this.waiting.size >= maxWaiting) {
      this.options.logger.warn('token_allow_limited', {
        detector: hit.detector,
        host: request.host,
        waiting: this.waiting.size,
      });
      return Promise.resolve({
        pass: false,
        reason: `${this.waiting.size} flagged requests already wait for the operator (the limit is ${maxWaiting}), so this one was refused without asking; send it again once those are decided`,
      });
    }
    const joined = verdict !== undefined;
    if (!verdict) {
      verdict = this.ask(this.options.queueDir, hit, request, valueSha).then((result) => {
        this.waiting.delete(key);
        if (result.pass) this.remember(key, result);
        return result;
      });
      this.waiting.set(key, verdict);
    }
    return verdict.then((result): TokenVerdict => {
      if (!result.pass) return result;
      // The operator saw the request that asked: once means that one, not whatever else
      // carried the same value while it waited.
      if (joined && result.grant?.lifetime === 'once')
        return {
          pass: false,
          reason: `proposal ${result.proposal} was approved once, for the request that asked; send this one again to ask for it`,
        };
      return { pass: true };
    });
  }

  /**
   * The approval's lifetime (supervisor/grants/): `once` lets through the request that asked
   * and nothing else; `expires_at` ends the allowance; none lasts the proxy's life.
   */
  private remember(key: string, answer: Extract<Answer, { pass: true }>): void {
    const grant = answer.grant;
    if (grant?.lifetime === 'once') return;
    const until = grant?.expires_at ? Date.parse(grant.expires_at) : Infinity;
    this.approved.set(key, { until, proposal: answer.proposal });
  }

  private allowed(key: string): boolean {
    const allowance = this.approved.get(key);
    if (!allowance) return false;
    const revoked =
      this.options.queueDir !== undefined &&
      existsSync(queuePaths(this.options.queueDir).revokedFile(allowance.proposal));
    if (allowance.until > Date.now() && !revoked) return true;
    this.approved.delete(key);
    this.options.logger.info('token_allow_ended', {
      proposal: allowance.proposal,
      why: revoked ? 'revoked' : 'expired',
    });
    return false;
  }

  private async ask(
    queueDir: string,
    hit: DlpHit,
    request: HeldRequest,
    valueSha: string,
  ): Promise<Answer> {
    const id = newProposalId('egress-proxy');
    const log = this.options.logger.child({
      proposal: id,
      detector: hit.detector,
      host: request.host,
    });
    try {
      await writeProposal(queueDir, 'egress-proxy', {
        v: 1,
        id,
        tool: 'egress-token-allow',
        justification: `the agent sent a value that looks like a ${hit.detector} to ${request.host}; approve only if it is meant to go there`,
        created_at: new Date().toISOString(),
        expires_at: new Date(Date.now() + this.options.timeoutMs).toISOString(),
        payload: {
          host: request.host,
          method: request.method,
          path: request.path,
          detector: hit.detector,
          redacted_context: hit.context,
          value_sha256: valueSha,
        },
      });
    } catch (error) {
      log.error('token_allow_proposal_failed', { error });
      return { pass: false, reason: 'the approval request could not be filed (see the proxy log)' };
    }
    log.info('token_allow_held', { timeout_ms: this.options.timeoutMs });
    const decision = await waitForDecision(queueDir, id, {
      timeoutMs: this.options.timeoutMs,
      pollMs: this.options.pollMs ?? 100,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    if (!decision) {
      log.warn('token_allow_timeout');
      return { pass: false, reason: `no decision on proposal ${id} in time` };
    }
    if (!decision.ok) {
      log.warn('token_allow_malformed_decision', { reason: decision.reason });
      return { pass: false, reason: `the decision on proposal ${id} was malformed` };
    }
    log.info('token_allow_decided', { decision: decision.value.decision });
    if (decision.value.decision === 'approved')
      return {
        pass: true,
        proposal: id,
        ...(decision.value.grant ? { grant: decision.value.grant } : {}),
      };
    return { pass: false, reason: `a human rejected proposal ${id}: ${decision.value.reason}` };
  }
}
