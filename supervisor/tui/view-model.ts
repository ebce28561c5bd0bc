import type { ProposalView } from '../queue/proposals.js';
import { bottleRows, footerText, proposalRows } from './chrome.js';
import { DetailCache } from './detail.js';
import type { Lifetime } from '../grants/lifetime.js';
import {
  editedEffect,
  grantEffect,
  lifetimeAnswer,
  permanentEffect,
  modifyEffect,
  notice,
  outcomeReport,
  verdictEffect,
  type Effect,
  type Notice,
  type Outcome,
  type Target,
  type Verdict,
} from './effects.js';
import { line, type Row, type StyledLine } from './lines.js';
import { sanitize } from './sanitize.js';
import { PinnedSelection } from './selection.js';
import { liveFileOf, type BottleSnapshot } from './snapshot.js';

export type Pane = 'bottles' | 'proposals' | 'detail';
const PANES: readonly Pane[] = ['bottles', 'proposals', 'detail'];

/** What an update brought: new proposals ring the bell (the screen rings it) and notify. */
export interface Update {
  bell: boolean;
  arrived: ProposalView[];
}

const NONE: Effect = { kind: 'none' };
/** Refusals of the operator's own edit: nothing was decided, so the draft is kept. */
const VALIDATION_CODES = new Set(['ROUTES_INVALID', 'DOCKERFILE_INVALID', 'INPUT_INVALID']);
const ACTIVITY_LINES = 200;
const ALIASES: Record<string, string> = { k: 'up', j: 'down', 'C-c': 'q' };

/**
 * The supervisor screen without blessed: what is listed and selected, the detail text, and
 * what each key does (as an Effect the screen carries out). Tests drive it directly.
 */
export class SupervisorModel {
  focus: Pane = 'proposals';
  notice: Notice | undefined;
  readonly activity: StyledLine[] = [];
  private bottles: BottleSnapshot[] = [];
  private broken: string[] = [];
  private filter: string | undefined;
  private readonly selection = new PinnedSelection();
  private seen = new Set<string>();
  private loaded = false;
  private quitArmed = false;
  private readonly busy = new Map<string, string>();
  private readonly drafts = new Map<string, string>();
  private readonly details = new DetailCache();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  update(bottles: BottleSnapshot[], broken: string[] = []): Update {
    this.bottles = [...bottles].sort((a, b) => a.slug.localeCompare(b.slug));
    this.broken = [...broken].sort();
    if (this.filter && !this.bottles.some((b) => b.slug === this.filter)) this.filter = undefined;
    const all = this.bottles.flatMap((b) => b.proposals);
    const arrived = this.loaded ? all.filter((view) => !this.seen.has(view.proposal.id)) : [];
    this.seen = new Set(all.map((view) => view.proposal.id));
    this.details.keep(this.seen);
    this.selection.follow(this.visibleIds(), true, this.loaded);
    this.loaded = true;
    return { bell: arrived.length > 0, arrived };
  }

  /** The proposals listed (one bottle's when one is picked in the bottles pane), newest first. */
  visible(): ProposalView[] {
    return this.bottles
      .filter((b) => this.filter === undefined || b.slug === this.filter)
      .flatMap((b) => b.proposals)
      .sort(
        (a, b) =>
          b.proposal.created_at.localeCompare(a.proposal.created_at) ||
          b.proposal.id.localeCompare(a.proposal.id),
      );
  }

  selected(): ProposalView | undefined {
    return this.visible().find((view) => view.proposal.id === this.selection.id);
  }

  pendingCount(): number {
    return this.bottles.reduce((sum, b) => sum + b.proposals.length, 0);
  }

  title(): string {
    const count = this.bottles.length;
    return `claude-bottle supervise — ${this.pendingCount()} pending · ${count} bottle${count === 1 ? '' : 's'}`;
  }

  bottleRows(): Row[] {
    return bottleRows(this.bottles, this.broken, this.filter);
  }

  proposalRows(): Row[] {
    return proposalRows(this.visible(), this.selection.id, this.busy, this.clock());
  }

  footer(): string {
    return footerText(this.selected(), this.focus);
  }

  /** Changes whenever the detail pane shows another proposal (the screen resets its scroll). */
  detailKey(): string {
    return this.selection.id ?? '';
  }

  detailLines(): StyledLine[] {
    const view = this.selected();
    const bottle = this.bottles.find((b) => b.slug === view?.slug);
    return this.details.lines(view, bottle?.live ?? {}, {
      busy: view && this.busy.get(view.proposal.id),
      moved: this.selection.moved,
      now: this.clock(),
      denied: bottle?.denied,
    });
  }

  /** A key (blessed's `key.full` names) → what the screen should do. */
  key(name: string): Effect {
    if (name !== 'q' && name !== 'C-c') this.quitArmed = false;
    return this.shown(this.dispatch(name));
  }

  /** The reason typed for an `ask-reason`: checked, and the target looked up again by id. */
  reasonGiven(target: Target, action: Verdict, reason: string, lifetime?: Lifetime): Effect {
    if (reason.trim() === '')
      return this.shown(notice(`no reason given: nothing was ${action}d`, 'warning'));
    if (!this.find(target.id)) return this.shown(gone(target));
    return {
      kind: 'decide',
      target,
      action,
      reason: reason.trim(),
      ...(lifetime ? { lifetime } : {}),
    };
  }

  /** The answer to `g`'s "for how long?". */
  lifetimeGiven(target: Target, answer: string): Effect {
    const view = this.find(target.id);
    if (!view) return this.shown(gone(target));
    const lifetime = lifetimeAnswer(answer);
    if ('level' in lifetime) return this.shown(lifetime);
    if (lifetime.kind === 'permanent') return this.shown(permanentEffect(view));
    return this.shown(verdictEffect(view, 'approve', this.clock(), lifetime));
  }

  /** The file the operator saved from `m`. */
  edited(target: Target, text: string): Effect {
    const view = this.find(target.id);
    if (!view) return this.shown(gone(target));
    const file = liveFileOf(view.proposal.tool);
    const live = file
      ? (this.bottles.find((b) => b.slug === target.slug)?.live[file]?.text ?? '')
      : '';
    const { effect, keepDraft } = editedEffect(view, text, live);
    if (keepDraft) this.drafts.set(target.id, text);
    else this.drafts.delete(target.id);
    return this.shown(effect);
  }

  decisionStarted(target: Target, label: string): void {
    this.busy.set(target.id, label);
    this.log(`${label} ${target.tool} in ${target.slug}…`, 'dim');
  }

  decisionFinished(target: Target, outcome: Outcome): void {
    this.busy.delete(target.id);
    // An edit the engine refused as invalid decided nothing: keep it for the next `m`.
    if (outcome.ok || !VALIDATION_CODES.has(outcome.code)) this.drafts.delete(target.id);
    const report = outcomeReport(target, outcome, this.drafts.has(target.id));
    this.shown(report.notice);
    for (const entry of report.log) this.log(entry.text, entry.style);
  }

  /** The status line, for the screen's own messages (cancelled prompts, editor failures). */
  tell(text: string, level: Notice['level'] = 'info'): void {
    this.shown(notice(text, level));
  }

  /** A line in the activity pane (engine progress, notify-cmd failures), made safe here. */
  log(text: string, style: StyledLine['style'] = 'plain'): void {
    for (const safe of sanitize(text).split('\n')) this.activity.push(line(safe, style));
    this.activity.splice(0, Math.max(0, this.activity.length - ACTIVITY_LINES));
  }

  private dispatch(name: string): Effect {
    const key = ALIASES[name] ?? name;
    if (key === 'tab' || key === 'S-tab') {
      const step = key === 'tab' ? 1 : PANES.length - 1;
      this.focus = PANES[(PANES.indexOf(this.focus) + step) % PANES.length]!;
      return NONE;
    }
    if (key === 'up' || key === 'down') return this.move(key === 'up' ? -1 : 1);
    if (key === 'pageup' || key === 'pagedown')
      return { kind: 'scroll', by: 'page', direction: key === 'pageup' ? -1 : 1 };
    if (key === 'a' || key === 'r' || key === 'm' || key === 'g') return this.act(key);
    if (key === 'l') return this.proxyLog();
    if (key === '?') return { kind: 'help' };
    if (key !== 'q') return NONE;
    if (this.busy.size === 0 || this.quitArmed) return { kind: 'quit' };
    this.quitArmed = true;
    const running = [...this.busy.values()].join(', ');
    return notice(`still deciding (${running}): press q again to quit anyway`, 'warning');
  }

  /** Notices become the status line; every other effect goes to the screen. */
  private shown(effect: Effect): Effect {
    if (effect.kind !== 'notice') return effect;
    this.notice = { ...effect, text: sanitize(effect.text) };
    return NONE;
  }

  private visibleIds(): string[] {
    return this.visible().map((view) => view.proposal.id);
  }

  private find(id: string): ProposalView | undefined {
    return this.bottles.flatMap((b) => b.proposals).find((view) => view.proposal.id === id);
  }

  private move(delta: 1 | -1): Effect {
    if (this.focus === 'detail') return { kind: 'scroll', by: 'line', direction: delta };
    if (this.focus === 'bottles') {
      const slugs = [undefined, ...this.bottles.map((b) => b.slug)];
      const at = Math.max(0, slugs.indexOf(this.filter));
      this.filter = slugs[Math.min(slugs.length - 1, Math.max(0, at + delta))];
      this.selection.follow(this.visibleIds(), false, this.loaded);
      return NONE;
    }
    this.selection.step(this.visibleIds(), delta);
    return NONE;
  }

  private act(key: 'a' | 'r' | 'm' | 'g'): Effect {
    const view = this.selected();
    if (!view) return notice('no proposal is selected');
    if (this.selection.moved) {
      this.selection.acknowledge();
      return notice(
        `the selection moved to ${view.proposal.tool} in ${view.slug} (yours is gone): press ${key} again to act on it`,
        'warning',
      );
    }
    const busy = this.busy.get(view.proposal.id);
    if (busy) return notice(`already ${busy} this proposal`);
    if (key === 'm') return modifyEffect(view, this.drafts.get(view.proposal.id));
    if (key === 'g') return grantEffect(view, this.clock());
    return verdictEffect(view, key === 'a' ? 'approve' : 'reject', this.clock());
  }

  private proxyLog(): Effect {
    const only = this.bottles.length === 1 ? this.bottles[0]!.slug : undefined;
    const slug =
      (this.focus === 'bottles' ? this.filter : undefined) ??
      this.selected()?.slug ??
      this.filter ??
      only;
    if (!slug) return notice('pick a bottle (Tab to the bottles pane) or a proposal first');
    return { kind: 'proxy-log', slug };
  }
}

function gone(target: Target): Effect {
  return notice(
    `${target.tool} in ${target.slug} is no longer pending: nothing was done`,
    'warning',
  );
}
