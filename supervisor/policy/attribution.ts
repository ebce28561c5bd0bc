import type { AuditLine } from '../audit/chain.js';

/** Who approved a change, when and why: from the audit log, or "unknown" (a hand edit). */
export interface Attribution {
  approved_by: string;
  approved_at: string;
  reason: string;
  proposal_id: string | null;
}

export const UNKNOWN: Attribution = {
  approved_by: 'unknown',
  approved_at: 'unknown',
  reason: 'unknown',
  proposal_id: null,
};

/** Parses audit/supervisor.jsonl text; lines that are not JSON objects are skipped. */
export function auditLines(text: string): AuditLine[] {
  const lines: AuditLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      lines.push(JSON.parse(raw) as AuditLine);
    } catch {
      // verifyChain reports a broken log; attribution just finds nothing there.
    }
  }
  return lines;
}

/** The approval that applied a proposal (its first applied/recorded line). */
export function attributeProposal(
  lines: readonly AuditLine[],
  id: string | undefined,
): Attribution {
  if (id === undefined) return UNKNOWN;
  const line = lines.find(
    (l) =>
      l.proposal_id === id &&
      l.decision === 'approved' &&
      (l.result === 'applied' || l.result === 'recorded'),
  );
  return line ? fromLine(line) : { ...UNKNOWN, proposal_id: id };
}

/**
 * The change that made a live file what it is now: the last applied line whose sha256_after is
 * the file's sha256 (an approved proposal or the operator's `routes edit`).
 */
export function attributeSha(
  lines: readonly AuditLine[],
  tools: readonly string[],
  sha256: string,
): Attribution {
  const line = [...lines]
    .reverse()
    .find((l) => tools.includes(l.tool) && l.result === 'applied' && l.sha256_after === sha256);
  return line ? fromLine(line) : UNKNOWN;
}

function fromLine(line: AuditLine): Attribution {
  return {
    approved_by: line.operator,
    approved_at: line.ts,
    reason: line.reason,
    proposal_id: line.proposal_id ?? null,
  };
}
