import type { FindingRecord } from '../../images/git-gate/finding.js';
import type { Proposal } from '../../mcp/queue/schema.js';
import { analyseDockerfile } from './dockerfile.js';
import { analyseGitleaksAllow } from './findings.js';
import { analyseRoutes } from './routes.js';
import { analyseTokenAllow } from './token.js';
import { bySeverity, finding, quote, type AnalysisFinding } from './types.js';

/** What a proposal is judged with: itself, the gate's records and the bottle's live files. */
export interface AnalysisSubject {
  proposal: Proposal;
  gateFindings?: FindingRecord[];
  findingsProblem?: string;
}

/** The live files full-file proposals are compared with (absent: could not be read). */
export type LiveFiles = Partial<Record<'routes' | 'dockerfile', { text: string }>>;

/** At most this many findings; the rest are counted in a last one. */
const MAX_FINDINGS = 40;

/**
 * The supervisor's analysis of a proposal, most serious first. Never throws: whatever the
 * proposal holds, the worst case is one `danger` finding saying the analysis failed.
 */
export function analyseProposal(subject: AnalysisSubject, live: LiveFiles): AnalysisFinding[] {
  let findings: AnalysisFinding[];
  try {
    findings = bySeverity(analyse(subject, live));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [finding('danger', 'analysis-failed', `the analysis failed: ${quote(why, 160)}`)];
  }
  if (findings.length <= MAX_FINDINGS) return findings;
  const rest = findings.slice(MAX_FINDINGS - 1);
  const dangers = rest.filter((f) => f.level === 'danger').length;
  return [
    ...findings.slice(0, MAX_FINDINGS - 1),
    finding(
      dangers > 0 ? 'danger' : 'caution',
      'more-findings',
      `${rest.length} more finding(s) not listed (${dangers} danger): read the diff`,
    ),
  ];
}

function analyse(subject: AnalysisSubject, live: LiveFiles): AnalysisFinding[] {
  const { proposal } = subject;
  switch (proposal.tool) {
    case 'egress-proxy-block':
      return analyseRoutes(proposal.payload.routes_yaml, live.routes?.text);
    case 'capability-block':
      return analyseDockerfile(proposal.payload.dockerfile, live.dockerfile?.text);
    case 'gitleaks-allow':
      return analyseGitleaksAllow(
        proposal.payload.finding_ids,
        subject.gateFindings,
        subject.findingsProblem,
      );
    case 'egress-token-allow':
      return analyseTokenAllow(proposal.payload);
  }
}
