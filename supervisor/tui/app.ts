import { formatError } from '../../lib/errors.js';
import { decide } from '../engines/decide.js';
import { describeLifetime } from '../grants/lifetime.js';
import { permanentEdit, writeManifestOf } from '../grants/permanent.js';
import { engineDeps, operatorName } from '../engines/deps.js';
import type { EngineDeps } from '../engines/types.js';
import { openBottle } from '../queue/bottles.js';
import type { ProposalView } from '../queue/proposals.js';
import { watchQueues, type QueueWatcher } from '../queue/watch.js';
import { attachRules, type RuleRunner } from '../rules/runner.js';
import type { OperatorRule } from '../rules/schema.js';
import { helpLines } from './chrome.js';
import {
  failureOutcome,
  permanentConfirm,
  type Effect,
  type Outcome,
  type Target,
} from './effects.js';
import { runNotify } from './notify.js';
import { readProxyLog } from './proxy-log.js';
import { SupervisorScreen } from './screen.js';
import { loadAll, loadBottle, type BottleSnapshot } from './snapshot.js';
import { SupervisorModel } from './view-model.js';

export interface SuperviseOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Only this bottle. */
  slug?: string;
  /** `sh -c` this on each new proposal. */
  notifyCmd?: string;
  /** Operator rules (supervisor.rules): boring proposals approved as `auto:<name>`. */
  rules?: readonly OperatorRule[];
  /** Aborted on SIGINT/SIGTERM: the TUI closes and gives the terminal back. */
  signal?: AbortSignal;
}

const PROXY_LOG_LINES = 50;

/** Runs the TUI until the operator quits; resolves with the exit code. */
export async function runSupervisor(options: SuperviseOptions): Promise<number> {
  // A wrong --bottle is an ordinary CLI error, said before the screen takes the terminal.
  if (options.slug) await openBottle(options.home, options.slug);
  return new SupervisorApp(options).run();
}

/**
 * Wires the parts: the queue watcher feeds fresh snapshots to the model, keys go to the model,
 * and the effects it returns are carried out here — prompts and the editor on the screen,
 * decisions through decide() (the same path as the headless verbs), never blocking input.
 */
class SupervisorApp {
  private readonly model = new SupervisorModel();
  private readonly bottles = new Map<string, BottleSnapshot>();
  private readonly broken = new Set<string>();
  private readonly refreshes = new Map<string, Promise<void>>();
  private readonly operator: string;
  private screen: SupervisorScreen | undefined;
  private watcher: QueueWatcher | undefined;
  private rules: RuleRunner | undefined;
  private renderQueued = false;
  private closing = false;
  private finish: (code: number) => void = () => undefined;

  constructor(private readonly options: SuperviseOptions) {
    this.operator = operatorName(options.env, 'tui');
  }

  async run(): Promise<number> {
    const { home, env, cwd, slug } = this.options;
    const sweepDeps = await engineDeps(env, cwd, (line) => this.progress('sweep', line));
    const watcher = (this.watcher = watchQueues(home, {
      ...(slug ? { slug } : {}),
      sweep: { deps: sweepDeps, operator: this.operator },
    }));
    this.rules = this.startRules(watcher, sweepDeps);
    // Changes seen while the first read runs are replayed after it, so the first update is
    // the whole picture and proposals that were already waiting never ring as new.
    let early: Set<string> | undefined = new Set<string>();
    watcher.on('changed', (changed) => (early ? early.add(changed) : void this.refresh(changed)));
    watcher.on('swept', (swept, moved) =>
      this.model.log(`${swept}: archived ${moved} expired or already-decided proposal(s)`, 'dim'),
    );
    watcher.on('error', (error) => this.model.log(`queue watcher: ${messageOf(error)}`, 'error'));
    // Watch first, then read: a proposal filed in between is reported by the watcher.
    const initial = await watcher.ready
      .then(() => loadAll(home, slug))
      .catch(async (error: unknown) => {
        await watcher.close();
        throw error;
      });
    for (const bottle of initial.bottles) this.bottles.set(bottle.slug, bottle);
    for (const name of initial.broken) this.broken.add(name);
    this.model.update([...this.bottles.values()], [...this.broken]);
    for (const changed of early) void this.refresh(changed);
    early = undefined;

    const done = new Promise<number>((resolve) => (this.finish = resolve));
    const crash = (error: unknown): void => {
      // The terminal first: an error printed into the alternate screen would be lost.
      this.screen?.destroy();
      process.stderr.write(`${formatError(error)}\n`);
      process.exit(70);
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
    this.options.signal?.addEventListener('abort', () => void this.quit(0), { once: true });
    const screen = (this.screen = new SupervisorScreen((name) => this.onKey(name)));
    screen.onResize(() => this.render());
    const tick = setInterval(() => this.render(), 1000); // ages and held-request countdowns
    this.render();
    try {
      return await done;
    } finally {
      clearInterval(tick);
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
    }
  }

  private onKey(name: string): void {
    const effect = this.model.key(name);
    this.render();
    void this.perform(effect);
  }

  private async perform(effect: Effect): Promise<void> {
    const screen = this.screen;
    if (!screen || this.closing) return;
    switch (effect.kind) {
      case 'quit':
        return this.quit(0);
      case 'help':
        await screen.show('help', helpLines(), 'pager');
        break;
      case 'scroll':
        screen.scrollDetail(effect.by, effect.direction);
        break;
      case 'ask-reason': {
        const reason = await screen.askReason(effect.prompt);
        if (reason === undefined) this.model.tell('cancelled: nothing was decided');
        else
          await this.perform(
            this.model.reasonGiven(effect.target, effect.action, reason, effect.lifetime),
          );
        break;
      }
      case 'ask-lifetime': {
        const answer = await screen.askReason(effect.prompt);
        if (answer === undefined) this.model.tell('cancelled: nothing was decided');
        else await this.perform(this.model.lifetimeGiven(effect.target, answer));
        break;
      }
      case 'decide':
        void this.decideNow(effect);
        break;
      case 'edit': {
        const text = await screen
          .edit(effect.text, effect.fileName, this.options.env)
          .catch((error: unknown) => {
            this.model.tell(formatError(error).split('\n')[0]!, 'error');
            return undefined;
          });
        if (text !== undefined) await this.perform(this.model.edited(effect.target, text));
        break;
      }
      case 'plan-permanent':
        await this.planPermanent(effect.target);
        break;
      case 'confirm':
        if (await screen.show(effect.title, effect.lines, 'confirm'))
          await this.perform(effect.yes);
        else this.model.tell('cancelled: nothing was applied');
        break;
      case 'proxy-log':
        await this.showProxyLog(effect.slug);
        break;
      default:
        break;
    }
    this.render();
  }

  private async decideNow(effect: Extract<Effect, { kind: 'decide' }>): Promise<void> {
    const { target, action } = effect;
    const label =
      effect.editedText !== undefined
        ? 'applying your edit to'
        : action === 'approve'
          ? effect.lifetime && effect.lifetime.kind !== 'bottle'
            ? `approving ${describeLifetime(effect.lifetime)}`
            : 'approving'
          : 'rejecting';
    this.model.decisionStarted(target, label);
    this.render();
    let outcome: Outcome;
    try {
      const deps = await engineDeps(this.options.env, this.options.cwd, (line) =>
        this.progress(target.tool, line),
      );
      const result = await decide(
        {
          id: target.id,
          slug: target.slug,
          action,
          operator: this.operator,
          ...(target.sha256 ? { expectSha256: target.sha256 } : {}),
          ...(effect.reason === undefined ? {} : { reason: effect.reason }),
          ...(effect.editedText === undefined ? {} : { editedText: effect.editedText }),
          ...(effect.lifetime ? { lifetime: effect.lifetime } : {}),
        },
        deps,
      );
      const applied = result.applied ? '' : ' (not applied)';
      const written =
        effect.manifest && result.applied
          ? `; ${await writeManifestOf(effect.manifest, this.options)}`
          : '';
      outcome = {
        ok: true,
        message: `${result.decision.decision}${applied}: ${result.message}${written}`,
      };
    } catch (error) {
      outcome = failureOutcome(error);
    }
    this.model.decisionFinished(target, outcome);
    await this.refresh(target.slug);
  }

  /** `g` → permanent: the manifest diff shown for a yes; yes approves, then writes it. */
  private async planPermanent(target: Target): Promise<void> {
    let edit;
    try {
      edit = await permanentEdit(this.options.home, this.options, {
        id: target.id,
        slug: target.slug,
        force: false,
      });
    } catch (error) {
      this.model.tell(formatError(error).split('\n')[0]!, 'error');
      return;
    }
    if (edit) await this.perform(permanentConfirm(target, edit));
  }

  private async showProxyLog(slug: string): Promise<void> {
    this.model.tell(`reading the egress-proxy log of ${slug}…`);
    this.render();
    const lines = await readProxyLog(this.options.home, slug, this.options.env, PROXY_LOG_LINES);
    this.model.notice = undefined;
    await this.screen?.show(
      `egress-proxy decisions · ${slug} · last ${PROXY_LOG_LINES}`,
      lines,
      'pager',
    );
  }

  /** Re-reads one bottle (one read per bottle at a time) and hands the model the new state. */
  private refresh(slug: string): Promise<void> {
    const next = (this.refreshes.get(slug) ?? Promise.resolve())
      .then(async () => {
        const loaded = await loadBottle(this.options.home, slug);
        this.bottles.delete(slug);
        this.broken.delete(slug);
        if (loaded.kind === 'ok') this.bottles.set(slug, loaded.snapshot);
        else if (loaded.kind === 'broken') this.broken.add(slug);
        const update = this.model.update([...this.bottles.values()], [...this.broken]);
        if (update.bell) this.screen?.bell();
        for (const view of update.arrived) this.arrived(view);
        this.scheduleRender();
      })
      .catch((error: unknown) => this.model.log(`reading ${slug}: ${messageOf(error)}`, 'error'));
    this.refreshes.set(slug, next);
    return next;
  }

  private arrived(view: ProposalView): void {
    this.model.log(`new: ${view.proposal.tool} in ${view.slug} (${view.proposal.id})`);
    const command = this.options.notifyCmd;
    if (!command) return;
    void runNotify(command, this.options.env, view).then((result) => {
      if (!result.ok) {
        this.model.log(`notify-cmd failed for ${view.proposal.id}: ${result.message}`, 'warning');
        this.scheduleRender();
      }
    });
  }

  /** The operator rules run beside the screen; their decisions arrive like anyone else's. */
  private startRules(watcher: QueueWatcher, deps: EngineDeps): RuleRunner | undefined {
    const rules = this.options.rules ?? [];
    if (rules.length === 0) return undefined;
    return attachRules(watcher, {
      home: this.options.home,
      rules,
      ...(this.options.slug ? { slug: this.options.slug } : {}),
      deps: { ...deps, progress: (line) => this.progress('rule', line) },
      onDecided: (view, rule, result) => {
        this.model.log(
          `auto (rule ${rule.name}): ${result.decision.decision} ${view.proposal.id}: ${result.message}`,
        );
        this.scheduleRender();
      },
      onError: (error, view) => {
        this.model.log(
          `operator rule${view ? ` on ${view.proposal.id}` : 's'}: ${messageOf(error)}`,
          'error',
        );
        this.scheduleRender();
      },
    });
  }

  private progress(what: string, line: string): void {
    this.model.log(`  ${what}: ${line}`, 'dim');
    this.scheduleRender();
  }

  /** Coalesces bursts (build progress, several bottles changing) into one redraw. */
  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    setTimeout(() => {
      this.renderQueued = false;
      this.render();
    }, 20);
  }

  private render(): void {
    if (!this.closing) this.screen?.render(this.model);
  }

  private async quit(code: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.screen?.destroy();
    await this.rules?.close();
    await this.watcher?.close();
    this.finish(code);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
