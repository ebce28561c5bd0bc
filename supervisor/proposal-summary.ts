import type { ProposalView } from './queue/proposals.js';
import { oneLine } from '../lib/terminal-safe.js';

/** One line saying what a proposal asks for: from trusted reports where there are any. */
export function proposalSummary(view: ProposalView, width = 80): string {
  const { proposal } = view;
  switch (proposal.tool) {
    case 'egress-token-allow': {
      const p = proposal.payload;
      return oneLine(`${p.detector} in ${p.method} ${p.host}${p.path}`, width);
    }
    case 'gitleaks-allow': {
      const findings = proposal.payload.findings;
      const first = findings[0];
      const more = findings.length > 1 ? ` (+${findings.length - 1} more)` : '';
      return oneLine(
        first ? `${first.rule} at ${first.file}:${first.line}${more}` : 'no findings',
        width,
      );
    }
    default:
      return oneLine(proposal.justification, width);
  }
}

/** "12s", "4m", "2h": how long ago, or how long until, for listings. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
