import type { FindingRecord } from '../../images/git-gate/finding.js';
import { ALLOW_COMMENT_RULE } from '../../images/git-gate/gitleaks-run.js';
import { finding, listOf, quote, type AnalysisFinding } from './types.js';

/**
 * gitleaks-allow: what approving would let through, judged on git-gate's own records (read by
 * the queue reader), never on the proposal's copies. An allow wider than what the gate
 * reported — ids it never reported, a fingerprint that is not the finding's own
 * `commit:file:rule:line`, copies that differ — is `danger`.
 */
export function analyseGitleaksAllow(
  findingIds: readonly string[],
  gateFindings: readonly FindingRecord[] | undefined,
  findingsProblem: string | undefined,
): AnalysisFinding[] {
  const findings: AnalysisFinding[] = [];
  if (findingsProblem)
    findings.push(finding('danger', 'findings-mismatch', quote(findingsProblem, 200)));
  if (gateFindings === undefined) {
    findings.push(
      finding('caution', 'findings-unread', "git-gate's records of these findings were not read"),
    );
    return findings;
  }
  const reported = new Set(gateFindings.map((record) => record.id));
  const unreported = [...new Set(findingIds)].filter((id) => !reported.has(id));
  if (unreported.length > 0)
    findings.push(
      finding(
        'danger',
        'unreported-finding',
        `asks to allow finding ids git-gate did not report: ${listOf(unreported.map((id) => quote(id, 30)))}`,
      ),
    );
  for (const record of gateFindings) {
    const where = `${quote(record.file, 80)}:${record.line}`;
    const own = `${record.commit}:${record.file}:${record.rule}:${record.line}`;
    if (!record.fingerprint.startsWith(`${record.commit}:`)) {
      findings.push(
        finding(
          'danger',
          'wide-allow',
          `${quote(record.id, 24)}: its fingerprint "${quote(record.fingerprint, 80)}" is not bound to the finding's commit: it would allow more than this finding`,
        ),
      );
      continue;
    }
    if (record.fingerprint !== own)
      findings.push(
        finding(
          'caution',
          'fingerprint-differs',
          `${quote(record.id, 24)}: its fingerprint "${quote(record.fingerprint, 80)}" is not the finding's own commit:file:rule:line`,
        ),
      );
    if (record.rule === ALLOW_COMMENT_RULE) {
      findings.push(
        finding(
          'danger',
          'allow-comment',
          `allows a line marked gitleaks:allow at ${where}: gitleaks never scans it, whatever it holds goes out`,
        ),
      );
      continue;
    }
    findings.push(
      finding(
        'info',
        'allows',
        `allows ${quote(record.rule, 40)} at ${where} in commit ${quote(record.commit, 12)} only (redacted: ${quote(record.redacted, 60)})`,
      ),
    );
  }
  return findings;
}
