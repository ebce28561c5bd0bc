import type { Proposal } from '../../mcp/queue/schema.js';
import {
  analyseProposal,
  replayDenied,
  requestText,
  type AnalysisFinding,
  type DeniedLogRead,
  type Replay,
  type ReplayRequest,
} from '../analysis/index.js';
import { listOf } from '../analysis/types.js';
import { LIVE_CONFIG_FILES } from '../../lib/live-config.js';
import type { ProposalView } from '../queue/proposals.js';
import { shortDuration } from '../proposal-summary.js';
import { line, type Style, type StyledLine } from './lines.js';
import { oneLine, safeLines } from './sanitize.js';
import { liveFileOf, type BottleSnapshot } from './snapshot.js';
import { diffLines } from './styled-diff.js';

/** The detail pane for the selected proposal; the diff is computed once per proposal and live file. */
export class DetailCache {
  private readonly bodies = new Map<string, { key: string; body: StyledLine[] }>();

  lines(
    view: ProposalView | undefined,
    live: BottleSnapshot['live'],
    state: {
      busy: string | undefined;
      moved: boolean;
      now: Date;
      /** The bottle's denied log, for a routes proposal's replay. */
      denied?: DeniedLogRead | undefined;
    },
  ): StyledLine[] {
    if (!view) {
      return [
        line('No proposal waiting.', 'heading'),
        line('Proposals appear here as agents (and the egress proxy) file them.', 'dim'),
      ];
    }
    const file = liveFileOf(view.proposal.tool);
    // Keyed on the proposal's own bytes too: a rewritten proposal never keeps an old diff.
    // …and on the denied log as read: a new refusal changes the replay.
    const denied = state.denied;
    const refusals = denied
      ? `${denied.entries.length}.${denied.entries.at(-1)?.ts ?? '-'}.${denied.skipped}`
      : '-';
    const key = `${view.proposal.id}:${view.sha256 ?? '-'}:${file ? (live[file]?.sha256 ?? '-') : ''}:${refusals}`;
    // One body per proposal: a new key replaces the old one, so a stream of refusals (each a
    // new key) never piles up copies of a large diff.
    const cached = this.bodies.get(view.proposal.id);
    let body = cached?.key === key ? cached.body : undefined;
    if (!body) {
      body = proposalDetail(view, live, denied);
      this.bodies.set(view.proposal.id, { key, body });
    }
    const top: StyledLine[] = [];
    if (state.busy) top.push(line(`BEING DECIDED: ${state.busy}…`, 'warning'));
    if (state.moved)
      top.push(
        line('the list moved the selection here: the next action key confirms it', 'warning'),
      );
    const held = heldRequestLine(view.proposal, state.now);
    if (held) top.push(held);
    return top.length > 0 ? [...top, line(''), ...body] : body;
  }

  /** How many bodies are kept (at most one per pending proposal). */
  get size(): number {
    return this.bodies.size;
  }

  /** Forgets the proposals that are no longer pending. */
  keep(ids: ReadonlySet<string>): void {
    for (const id of this.bodies.keys()) if (!ids.has(id)) this.bodies.delete(id);
  }
}

/**
 * The detail pane, split by trust: what the agent wrote is labelled as its unverified words;
 * what git-gate or the proxy observed is labelled as their report; the supervisor's analysis
 * (supervisor/analysis/) is labelled as its own; the diff is computed here
 * from the live file, not taken from the agent. Every string from a file goes through
 * sanitize before it becomes a line.
 */
export function proposalDetail(
  view: ProposalView,
  live: BottleSnapshot['live'],
  denied?: DeniedLogRead,
): StyledLine[] {
  const { proposal } = view;
  const lines: StyledLine[] = [
    line(`${proposal.tool}  ·  bottle ${view.slug}  ·  ${proposal.id}`, 'heading'),
    line(
      `filed ${proposal.created_at} by ${view.source === 'agent' ? 'the agent' : 'the egress proxy'}`,
      'dim',
    ),
    line(''),
  ];
  lines.push(...trustedReport(view));
  lines.push(...analysisLines(analyseProposal(view, live)));
  if (proposal.tool === 'egress-proxy-block')
    lines.push(
      ...replayLines(
        denied && replayDenied(proposal.payload.routes_yaml, live.routes?.text, denied),
      ),
    );
  const words = view.source === 'agent' ? "AGENT'S WORDS, UNVERIFIED" : "THE EGRESS PROXY'S NOTE";
  lines.push(line(`${words}:`, view.source === 'agent' ? 'untrusted' : 'trusted'));
  for (const text of safeLines(proposal.justification)) lines.push(line(`  ${text}`));
  lines.push(line(''));
  lines.push(...fileDiff(view, live));
  return lines;
}

/**
 * The supervisor's own findings, most serious first. The reasons quote agent-written text
 * (hosts, paths, Dockerfile lines), so each goes through the sanitizer like everything else.
 */
export function analysisLines(findings: readonly AnalysisFinding[]): StyledLine[] {
  const lines = [
    line('ANALYSIS BY THE SUPERVISOR (from the proposal and the live files):', 'heading'),
  ];
  if (findings.length === 0) lines.push(line('  nothing to point out', 'dim'));
  for (const finding of findings) {
    const label = finding.level.toUpperCase().padEnd(7);
    lines.push(
      line(
        `  ${label} ${oneLine(finding.reason, 300)}  [${oneLine(finding.code, 40)}]`,
        LEVEL_STYLES[finding.level],
      ),
    );
  }
  return [...lines, line('')];
}

/** At most this many requests listed one per line in each group; the rest are counted. */
const REPLAY_LISTED = 12;

/**
 * The replay (supervisor/analysis/replay.ts): the agent's real refused requests that the
 * proposal would admit, and those it leaves blocked. Hosts and paths are the agent's, so each
 * goes through the sanitizer.
 */
export function replayLines(replay: Replay | undefined): StyledLine[] {
  const lines = [
    line(
      "REPLAY OF THE AGENT'S REFUSED REQUESTS (the proxy's denied log, judged by its matcher):",
      'heading',
    ),
  ];
  if (!replay) return [...lines, line('  the denied log was not read', 'dim'), line('')];
  if (replay.problem) lines.push(line(`  WARNING: ${oneLine(replay.problem, 200)}`, 'warning'));
  if (replay.requests === 0) lines.push(line('  no refused request in the denied log yet', 'dim'));
  else {
    const named = (requests: readonly ReplayRequest[]) =>
      requests.length > 0 ? `: ${listOf(requests.map((r) => oneLine(requestText(r), 60)))}` : '';
    const { unblocked, still_blocked: blocked } = replay;
    lines.push(
      line(
        `  replay: ${unblocked.length} of the agent's refused requests would be admitted${named(unblocked)}; ${blocked.length} stay blocked${named(blocked)}`,
      ),
    );
    lines.push(...requestLines('+ admitted', unblocked, 'warning'));
    lines.push(...requestLines('- blocked ', blocked, 'dim'));
    if (replay.already_admitted.length > 0)
      lines.push(
        line(
          `  ${replay.already_admitted.length} refused earlier, admitted by the live routes by now`,
          'dim',
        ),
      );
    if (replay.not_routes.length > 0)
      lines.push(
        line(
          `  ${replay.not_routes.length} refused for reasons this proposal does not change: ${listOf(replay.not_routes.map((r) => `${oneLine(requestText(r), 60)} (${oneLine(r.reason, 20)})`))}`,
          'dim',
        ),
      );
  }
  if (replay.skipped_lines > 0)
    lines.push(
      line(`  ${replay.skipped_lines} line(s) of the denied log are not entries: skipped`, 'dim'),
    );
  return [...lines, line('')];
}

function requestLines(
  label: string,
  requests: readonly ReplayRequest[],
  style: Style,
): StyledLine[] {
  const lines = requests.slice(0, REPLAY_LISTED).map((request) => {
    const times = request.refusals > 1 ? `, refused ${request.refusals}×` : '';
    return line(
      `  ${label}  ${oneLine(requestText(request), 160)}  (${oneLine(request.reason, 20)}${times})`,
      style,
    );
  });
  if (requests.length > REPLAY_LISTED)
    lines.push(line(`  … and ${requests.length - REPLAY_LISTED} more (proposals --json)`, 'dim'));
  return lines;
}

const LEVEL_STYLES: Record<AnalysisFinding['level'], Style> = {
  danger: 'error',
  caution: 'warning',
  info: 'plain',
};

/** "refused in 42s" for a held request, or undefined when nothing waits on a deadline. */
export function heldRequestLine(proposal: Proposal, now: Date): StyledLine | undefined {
  if (proposal.expires_at === undefined) return undefined;
  const left = Date.parse(proposal.expires_at) - now.getTime();
  if (left <= 0) return line('HELD REQUEST: expired, the request was refused', 'error');
  const seconds = Math.ceil(left / 1000);
  return line(
    `HELD REQUEST: refused in ${seconds}s (${shortDuration(left)}) unless approved`,
    'warning',
  );
}

function trustedReport(view: ProposalView): StyledLine[] {
  const { proposal } = view;
  if (proposal.tool === 'gitleaks-allow') {
    // git-gate's own records, read from its findings folder: never the proposal's copies.
    const lines = [line('TRUSTED REPORT FROM GIT-GATE (what gitleaks found):', 'trusted')];
    const { finding_ids } = proposal.payload;
    const findings = view.gateFindings ?? [];
    if (view.findingsProblem)
      lines.push(line(`  WARNING: ${oneLine(view.findingsProblem, 200)}`, 'warning'));
    for (const finding of findings) {
      lines.push(
        line(`  ${oneLine(finding.rule, 60)}  in ${oneLine(finding.file, 100)}:${finding.line}`),
        line(
          `    commit ${oneLine(finding.commit, 40)}  ·  finding ${oneLine(finding.id, 24)}`,
          'dim',
        ),
        line(`    redacted: ${oneLine(finding.redacted, 200)}`),
      );
      if (finding.description) lines.push(line(`    ${oneLine(finding.description, 200)}`, 'dim'));
    }
    const unmatched = finding_ids.filter((id) => !findings.some((finding) => finding.id === id));
    if (unmatched.length > 0)
      lines.push(line(`  no record for: ${oneLine(unmatched.join(', '), 200)}`, 'warning'));
    lines.push(line('  approving allows these fingerprints in pushes; it needs a reason', 'dim'));
    return [...lines, line('')];
  }
  if (proposal.tool === 'egress-token-allow') {
    const p = proposal.payload;
    return [
      line('TRUSTED REPORT FROM THE EGRESS PROXY (a request it held):', 'trusted'),
      line(`  request   ${oneLine(`${p.method} ${p.host}${p.path}`, 200)}`),
      line(`  detector  ${oneLine(p.detector, 80)}`),
      line(`  context   ${oneLine(p.redacted_context, 200)}`),
      line(
        `  value     sha256 ${p.value_sha256.slice(0, 16)}… (the value never leaves the proxy)`,
        'dim',
      ),
      line('  approving lets this value through to that host; it needs a reason', 'dim'),
      line(''),
    ];
  }
  return [];
}

function fileDiff(view: ProposalView, live: BottleSnapshot['live']): StyledLine[] {
  const { proposal } = view;
  const file = liveFileOf(proposal.tool);
  if (!file) return [];
  const name = LIVE_CONFIG_FILES[file];
  const proposed =
    proposal.tool === 'egress-proxy-block'
      ? proposal.payload.routes_yaml
      : proposal.tool === 'capability-block'
        ? proposal.payload.dockerfile
        : '';
  const current = live[file];
  const lines = [line(`PROPOSED ${name} (diff against the live file):`, 'heading')];
  if (!current) return [...lines, line('  the live file could not be read', 'warning')];
  const base = (proposal.payload as { base_sha256?: string }).base_sha256;
  if (base && base !== current.sha256) {
    lines.push(
      line(
        `  the live ${name} changed after the agent read it: approving is refused as stale`,
        'warning',
      ),
    );
  }
  return [...lines, ...diffLines(current.text, proposed, name)];
}
