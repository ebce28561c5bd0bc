import type { ProposalTool } from '../../mcp/queue/schema.js';
import { LIVE_CONFIG_FILES } from '../../lib/live-config.js';
import { BottleError, isBottleError } from '../../lib/errors.js';
import { checkDockerfileText } from '../engines/capability-rebuild.js';
import { checkRoutesText } from '../engines/egress-proxy-apply.js';
import { engineFor } from '../engines/registry.js';
import { describeLifetime, parseDuration, type Lifetime } from '../grants/lifetime.js';
import type { PermanentEdit, PermanentPlan } from '../grants/permanent.js';
import { GRANTABLE_TOOLS, refuseLifetime } from '../grants/record.js';
import { isExpired, type ProposalView } from '../queue/proposals.js';
import { diffLines, styledDiff } from './styled-diff.js';
import { line, type StyledLine } from './lines.js';
import { oneLine, sanitize } from './sanitize.js';
import { liveFileOf } from './snapshot.js';

/** A proposal as an action names it: by id, never by list position. */
export interface Target {
  id: string;
  slug: string;
  tool: ProposalTool;
  /** The bytes the operator was shown: decide() refuses a proposal rewritten since. */
  sha256?: string;
}

export type Verdict = 'approve' | 'reject';

/** What a key asks the screen to do; the view-model never touches the terminal itself. */
export type Effect =
  | { kind: 'none' }
  | { kind: 'notice'; text: string; level: 'info' | 'ok' | 'warning' | 'error' }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'scroll'; by: 'line' | 'page'; direction: 1 | -1 }
  | { kind: 'ask-reason'; target: Target; action: Verdict; prompt: string; lifetime?: Lifetime }
  | { kind: 'ask-lifetime'; target: Target; prompt: string }
  /** `g` → permanent: the manifest diff is computed and shown for a yes before anything else. */
  | { kind: 'plan-permanent'; target: Target }
  | {
      kind: 'decide';
      target: Target;
      action: Verdict;
      reason?: string;
      editedText?: string;
      lifetime?: Lifetime;
      /** With `permanent`: the manifest the operator said yes to, written once the change is live. */
      manifest?: PermanentPlan;
    }
  | { kind: 'edit'; target: Target; text: string; fileName: string }
  | { kind: 'confirm'; title: string; lines: StyledLine[]; yes: Effect }
  | { kind: 'proxy-log'; slug: string };

export type Notice = Extract<Effect, { kind: 'notice' }>;

export function notice(text: string, level: Notice['level'] = 'info'): Notice {
  return { kind: 'notice', text, level };
}

export function targetOf(view: ProposalView): Target {
  return {
    id: view.proposal.id,
    slug: view.slug,
    tool: view.proposal.tool,
    ...(view.sha256 ? { sha256: view.sha256 } : {}),
  };
}

/**
 * `a` or `r` on a proposal: a rejection always asks for the reason the agent will read; an
 * approval asks only where the tool is report-only (letting a flagged value through needs a
 * recorded why); a held request past its deadline is already refused.
 */
export function verdictEffect(
  view: ProposalView,
  action: Verdict,
  now: Date,
  lifetime?: Lifetime,
): Effect {
  const target = targetOf(view);
  const lasting = lifetime ? { lifetime } : {};
  if (isExpired(view.proposal, now))
    return notice('this held request has expired: the proxy already refused it', 'warning');
  if (action === 'reject')
    return {
      kind: 'ask-reason',
      target,
      action,
      prompt: 'Reject: why? (the agent reads this reason)',
    };
  if (engineFor(target.tool).reportOnly) {
    return {
      kind: 'ask-reason',
      target,
      action,
      prompt: `Approve ${target.tool}${lifetime ? ` ${describeLifetime(lifetime)}` : ''}: why let it through? (recorded in the audit log)`,
      ...lasting,
    };
  }
  return { kind: 'decide', target, action, ...lasting };
}

/** `g`: approve with a lifetime, asked for first. */
export function grantEffect(view: ProposalView, now: Date): Effect {
  if (!GRANTABLE_TOOLS.includes(view.proposal.tool))
    return notice(
      `${view.proposal.tool} approvals cannot be time-boxed: press a to approve it for good`,
      'warning',
    );
  if (isExpired(view.proposal, now))
    return notice('this held request has expired: the proxy already refused it', 'warning');
  return {
    kind: 'ask-lifetime',
    target: targetOf(view),
    prompt:
      'Approve for how long? once · 10m · 30m · 2h · 1d · permanent (Enter: the bottle’s life)',
  };
}

/** `permanent` from `g`: only where the tool takes it; the manifest diff comes next. */
export function permanentEffect(view: ProposalView): Effect {
  try {
    refuseLifetime(view.proposal.tool, { kind: 'permanent' });
  } catch (error) {
    return notice(isBottleError(error) ? error.message : String(error), 'warning');
  }
  return { kind: 'plan-permanent', target: targetOf(view) };
}

/** The manifest diff `g` → permanent asks a yes for; yes approves, then writes it. */
export function permanentConfirm(target: Target, edit: PermanentEdit): Effect {
  const file = edit.state.bottle.file;
  return {
    kind: 'confirm',
    title: `Approve for good and write ${file}?`,
    lines: [
      ...edit.skipped.map((skip) =>
        line(sanitize(`not written: ${skip.host}: ${skip.why}`), 'warning'),
      ),
      ...styledDiff(edit.state.manifestText, edit.text, {
        fromName: file,
        toName: `${file} (with ${target.id})`,
      }),
    ],
    yes: {
      kind: 'decide',
      target,
      action: 'approve',
      lifetime: { kind: 'permanent' },
      manifest: edit,
    },
  };
}

/** The operator's answer to `g`'s question; undefined with a notice when it does not parse. */
export function lifetimeAnswer(text: string): Lifetime | Notice {
  const answer = text.trim().toLowerCase();
  if (answer === '' || answer === 'bottle') return { kind: 'bottle' };
  if (answer === 'once') return { kind: 'once' };
  if (answer === 'permanent') return { kind: 'permanent' };
  try {
    return { kind: 'for', ms: parseDuration(answer) };
  } catch (error) {
    return notice(isBottleError(error) ? error.message : String(error), 'error');
  }
}

/** `m`: the file to open in the editor (the operator's earlier draft if there is one). */
export function modifyEffect(view: ProposalView, draft: string | undefined): Effect {
  const engine = engineFor(view.proposal.tool);
  const file = liveFileOf(view.proposal.tool);
  if (engine.reportOnly || !engine.editableText || !file) {
    return notice(
      `${view.proposal.tool} is report-only: m is not available (a approves with a reason, r rejects)`,
      'warning',
    );
  }
  const text = draft ?? engine.editableText(view.proposal);
  return { kind: 'edit', target: targetOf(view), text, fileName: LIVE_CONFIG_FILES[file] };
}

/** The engines' own validators, run on save so a bad edit is refused before any confirm. */
const CHECKS: Partial<Record<ProposalTool, (text: string, file: string) => void>> = {
  'egress-proxy-block': checkRoutesText,
  'capability-block': checkDockerfileText,
};

/**
 * The saved editor file: unchanged is a no-op; invalid is refused with the validator's words
 * (the draft is kept for the next `m`); a valid change is shown as a diff to confirm.
 */
export function editedEffect(
  view: ProposalView,
  text: string,
  liveText: string,
): { effect: Effect; keepDraft: boolean } {
  const file = liveFileOf(view.proposal.tool);
  const proposed = engineFor(view.proposal.tool).editableText?.(view.proposal);
  if (!file || proposed === undefined)
    return { effect: notice('this proposal cannot be modified', 'warning'), keepDraft: false };
  if (text === proposed) {
    const same = notice('the file is unchanged: nothing was applied (a approves it as proposed)');
    return { effect: same, keepDraft: false };
  }
  const name = LIVE_CONFIG_FILES[file];
  try {
    CHECKS[view.proposal.tool]?.(text, `the edited ${name}`);
  } catch (error) {
    const why =
      error instanceof BottleError ? `error[${error.code}]: ${error.message}` : String(error);
    return {
      effect: notice(`${oneLine(why, 300)} (nothing decided; m edits your draft again)`, 'error'),
      keepDraft: true,
    };
  }
  return {
    effect: {
      kind: 'confirm',
      title: `Apply your edited ${name} to ${view.slug}?  y apply · n cancel`,
      lines: diffLines(liveText, text, name, 'edited'),
      yes: { kind: 'decide', target: targetOf(view), action: 'approve', editedText: text },
    },
    keepDraft: true,
  };
}

/** How a decision ended, as decide() returned or threw it. */
export type Outcome =
  { ok: true; message: string } | { ok: false; code: string; message: string; hint?: string };

/** The status line and the activity lines for a finished decision. */
export function outcomeReport(
  target: Target,
  outcome: Outcome,
  draftKept: boolean,
): { notice: Notice; log: StyledLine[] } {
  const what = `${target.tool} in ${target.slug}`;
  if (outcome.ok) {
    return {
      notice: notice(`${what}: ${oneLine(outcome.message, 300)}`, 'ok'),
      log: [line(`done: ${what}: ${outcome.message}`, 'ok')],
    };
  }
  const again = draftKept ? ' (nothing decided; m edits your draft again)' : '';
  return {
    notice: notice(`error[${outcome.code}]: ${oneLine(outcome.message, 300)}${again}`, 'error'),
    log: [
      line(`error[${outcome.code}] ${what}: ${outcome.message}`, 'error'),
      ...(outcome.hint ? [line(`  hint: ${outcome.hint}`, 'dim')] : []),
    ],
  };
}

/** What decide() threw, as an Outcome: its code, message and hint, or INTERNAL. */
export function failureOutcome(error: unknown): Outcome {
  if (!isBottleError(error))
    return {
      ok: false,
      code: 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
    };
  return {
    ok: false,
    code: error.code,
    message: error.message,
    ...(error.hint ? { hint: error.hint } : {}),
  };
}
