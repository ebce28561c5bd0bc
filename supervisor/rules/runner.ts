import { analyseProposal } from '../analysis/index.js';
import { decide, type DecideResult } from '../engines/decide.js';
import { readLive } from '../engines/live-config-writer.js';
import type { EngineDeps } from '../engines/types.js';
import { listBottles, openBottle } from '../queue/bottles.js';
import { bottleProposals, type ProposalView } from '../queue/proposals.js';
import type { QueueWatcher } from '../queue/watch.js';
import { judge } from './judge.js';
import type { OperatorRule } from './schema.js';

export interface RuleRunnerOptions {
  home: string;
  rules: readonly OperatorRule[];
  /** Only this bottle. */
  slug?: string;
  deps: EngineDeps;
  /** One auto-decision, as decide() returned it. */
  onDecided: (view: ProposalView, rule: OperatorRule, result: DecideResult) => void;
  /** A proposal no rule approved, and why: for debug output only. */
  onLeft?: (view: ProposalView, reasons: readonly string[]) => void;
  /** A rule approved but deciding failed (claimed by a person meanwhile, not applied, …). */
  onError: (error: unknown, view?: ProposalView) => void;
}

/**
 * Runs the operator rules over each bottle's pending proposals when its queue changes: a
 * proposal a rule approves is decided through decide() as `auto:<rule>`; any other is left for
 * a person, untouched — a rule never rejects. Each proposal is judged once per (proposal
 * bytes, live routes) pair, one bottle at a time.
 */
export class RuleRunner {
  private readonly judged = new Set<string>();
  private readonly runs = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: RuleRunnerOptions) {}

  /** Judges one bottle's pending proposals (after any judging of it already under way). */
  check(slug: string): Promise<void> {
    if (this.closed || (this.options.slug !== undefined && slug !== this.options.slug))
      return Promise.resolve();
    const next = (this.runs.get(slug) ?? Promise.resolve())
      .then(() => this.checkOnce(slug))
      .catch((error: unknown) => this.options.onError(error));
    this.runs.set(slug, next);
    return next;
  }

  /** Every bottle (or the one), as when the supervisor starts: proposals already waiting too. */
  async checkAll(): Promise<void> {
    const slugs = this.options.slug
      ? [this.options.slug]
      : (await listBottles(this.options.home)).bottles.map((bottle) => bottle.slug);
    await Promise.all(slugs.map((slug) => this.check(slug)));
  }

  /** No new judging; resolves when decisions under way are finished (never cut mid-apply). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.runs.values());
  }

  private async checkOnce(slug: string): Promise<void> {
    if (this.closed) return;
    const bottle = await openBottle(this.options.home, slug).catch(() => undefined);
    if (!bottle) return;
    const now = this.options.deps.now();
    const views = (await bottleProposals(bottle, { now })).filter(
      (view) => view.status === 'pending' && view.decision === undefined && !view.decisionProblem,
    );
    if (views.length === 0) return;
    const base = await readLive(bottle.layout, 'routes').catch(() => undefined);
    for (const view of views) {
      if (this.closed) return;
      const key = `${view.proposal.id}:${view.sha256 ?? '-'}:${base?.sha256 ?? '-'}`;
      if (this.judged.has(key)) continue;
      this.judged.add(key);
      const findings = analyseProposal(view, base ? { routes: base } : {});
      const verdict = judge(this.options.rules, {
        slug,
        proposal: view.proposal,
        base,
        findings,
      });
      if (verdict.verdict === 'leave') {
        this.options.onLeft?.(view, verdict.reasons);
        continue;
      }
      try {
        const result = await decide(
          {
            id: view.proposal.id,
            slug,
            action: 'approve',
            operator: `auto:${verdict.rule.name}`,
            reason: verdict.reason,
            // Exactly the bytes judged are decided: a rewritten proposal is refused.
            ...(view.sha256 ? { expectSha256: view.sha256 } : {}),
          },
          this.options.deps,
        );
        this.options.onDecided(view, verdict.rule, result);
      } catch (error) {
        this.options.onError(error, view);
      }
      // One approval changes the live routes: the rest are judged against the new ones.
      return this.checkOnce(slug);
    }
  }
}

/** Runs `rules` on every change the watcher reports, and once over what waits when it is ready. */
export function attachRules(watcher: QueueWatcher, options: RuleRunnerOptions): RuleRunner {
  const runner = new RuleRunner(options);
  watcher.on('changed', (slug) => void runner.check(slug));
  // A watcher that never gets ready is its owner's error to report.
  void watcher.ready
    .then(
      () => runner.checkAll(),
      () => undefined,
    )
    .catch((error: unknown) => options.onError(error));
  return runner;
}
