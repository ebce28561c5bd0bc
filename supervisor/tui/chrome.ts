import { engineFor } from '../engines/registry.js';
import { GRANTABLE_TOOLS } from '../grants/record.js';
import type { ProposalView } from '../queue/proposals.js';
import { proposalSummary, shortDuration } from '../proposal-summary.js';
import { column, line, type Row, type StyledLine } from './lines.js';
import { oneLine } from './sanitize.js';
import type { BottleSnapshot } from './snapshot.js';

/** The bottles pane: an "all bottles" row, then one per bottle, then the unreadable ones. */
export function bottleRows(
  bottles: BottleSnapshot[],
  broken: string[],
  filter: string | undefined,
): Row[] {
  const pending = bottles.reduce((sum, b) => sum + b.proposals.length, 0);
  const rows: Row[] = [
    { text: `all bottles · ${pending} pending`, style: 'heading', selected: filter === undefined },
  ];
  for (const b of bottles) {
    const skipped = b.skipped.length > 0 ? `  ! ${b.skipped.length} unreadable queue file(s)` : '';
    rows.push({
      text: `${column(oneLine(b.slug, 40), 28)} ${column(oneLine(b.agent, 40), 12)} ${column(oneLine(b.branch ?? '-', 40), 14)} ${column(b.status, 8)} ${b.proposals.length} pending${skipped}`,
      style: b.skipped.length > 0 ? 'warning' : b.proposals.length > 0 ? 'plain' : 'dim',
      selected: filter === b.slug,
    });
  }
  for (const slug of broken) {
    rows.push({
      text: `${column(oneLine(slug, 40), 28)} unreadable metadata.json`,
      style: 'error',
      selected: false,
    });
  }
  return rows;
}

/** The proposals pane: tool, bottle, age and a one-line summary (trusted reports where there are). */
export function proposalRows(
  views: ProposalView[],
  selectedId: string | undefined,
  busy: ReadonlyMap<string, string>,
  now: Date,
): Row[] {
  return views.map((view) => {
    const { proposal } = view;
    const age = shortDuration(now.getTime() - Date.parse(proposal.created_at));
    const mark = busy.has(proposal.id) ? '*' : proposal.expires_at ? '!' : ' ';
    return {
      text: `${mark} ${column(proposal.tool, 18)} ${column(oneLine(view.slug, 40), 18)} ${age.padStart(3)}  ${summary(view)}`,
      style: 'plain',
      selected: proposal.id === selectedId,
    };
  });
}

/** The list's summary: the trusted report's gist, or the agent's words in quotes. */
function summary(view: ProposalView): string {
  const text = proposalSummary(view, 160);
  const quoted =
    view.proposal.tool === 'egress-proxy-block' || view.proposal.tool === 'capability-block';
  return quoted ? `“${text}”` : text;
}

/** The key line: what each key does for the selected proposal, from its engine's rules. */
export function footerText(selected: ProposalView | undefined, focus: string): string {
  const keys: string[] = [];
  if (selected) {
    const engine = engineFor(selected.proposal.tool);
    if (engine.reportOnly) keys.push('a approve (asks why)', 'r reject', 'm n/a (report-only)');
    else keys.push('a approve', 'm modify', 'r reject');
    if (GRANTABLE_TOOLS.includes(selected.proposal.tool)) keys.push('g for how long');
  }
  keys.push(
    'l proxy log',
    `Tab pane (${focus})`,
    '↑↓/j k move',
    'PgUp/PgDn scroll',
    '? help',
    'q quit',
  );
  return keys.join('  ·  ');
}

export function helpLines(): StyledLine[] {
  return [
    line('claude-bottle supervise: every bottle, live', 'heading'),
    line(''),
    line('a       approve the selected proposal; report-only tools (gitleaks-allow,'),
    line('        egress-token-allow) ask why, and the reason is recorded'),
    line('m       modify: opens the proposed file in $VISUAL/$EDITOR, shows your change as a'),
    line('        diff and applies it after you confirm (not for report-only tools)'),
    line('g       approve for a time: once (the request the agent retries), 30m, 2h…; the'),
    line('        proxy stops applying it by itself (egress-proxy-block, egress-token-allow);'),
    line('        permanent shows the manifest diff and, on y, approves and writes it'),
    line('r       reject, with a reason the agent reads'),
    line("l       the bottle's recent egress-proxy decisions (last 50 lines)"),
    line('Tab     next pane: bottles (pick one to list only its proposals), proposals, detail'),
    line('↑↓ j k  move in the focused pane (scroll in the detail pane); PgUp/PgDn scroll detail'),
    line('?       this help          q / Ctrl-C  quit'),
    line(''),
    line(
      'In the list, ! marks a held request (it is refused at its deadline), * one being decided.',
      'dim',
    ),
    line('Actions act on the proposal you selected, by id: one that arrives above it never', 'dim'),
    line(
      'takes the cursor. When yours is decided elsewhere, its neighbour is selected and the',
      'dim',
    ),
    line('next action key only confirms that move.', 'dim'),
    line(''),
    line(
      "Text the agent wrote is labelled AGENT'S WORDS, UNVERIFIED; control characters and",
      'dim',
    ),
    line('escape sequences in it are shown as \\u{…}, never obeyed.', 'dim'),
    line(''),
    line('Esc, q or ? closes this help.', 'dim'),
  ];
}
