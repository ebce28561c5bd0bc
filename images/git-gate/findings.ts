import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { FindingRecordSchema, type FindingRecord } from './finding.js';

/** A possible secret in the pushed range, already redacted: nothing here is the secret. */
export interface ScanFinding {
  rule: string;
  description?: string;
  file: string;
  line: number;
  commit: string;
  fingerprint: string;
  redacted: string;
}

const MAX_REDACTED = 200;

/** Same remote and fingerprint, same id: pushing the same commits again reuses the record. */
export function findingId(remote: string, fingerprint: string): string {
  return `f-${createHash('sha256').update(`${remote}\0${fingerprint}`).digest('hex').slice(0, 16)}`;
}

export function toFindingRecord(remote: string, finding: ScanFinding, now: Date): FindingRecord {
  return FindingRecordSchema.parse({
    v: 1,
    id: findingId(remote, finding.fingerprint),
    remote,
    rule: finding.rule,
    ...(finding.description === undefined ? {} : { description: finding.description }),
    file: finding.file,
    line: finding.line,
    commit: finding.commit,
    fingerprint: finding.fingerprint,
    redacted: finding.redacted.slice(0, MAX_REDACTED),
    created_at: now.toISOString(),
  });
}

/** Writes findings/<id>.json atomically; an existing record (same id) is kept as it is. */
export async function recordFindings(findingsDir: string, records: FindingRecord[]): Promise<void> {
  await mkdir(findingsDir, { recursive: true });
  for (const record of records) {
    const file = join(findingsDir, `${record.id}.json`);
    if (existsSync(file)) continue;
    await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  }
}

/** The text the pushing agent reads when the scan found possible secrets. */
export function explainFindings(remoteName: string, records: FindingRecord[]): string {
  const lines = [
    `git-gate: push to "${remoteName}" refused: ${records.length} possible secret(s) in the pushed commits; nothing was sent upstream.`,
  ];
  for (const record of records) {
    lines.push(
      `  ${record.id}  ${record.rule}  ${record.file}:${record.line}  (commit ${record.commit.slice(0, 12)})`,
    );
  }
  lines.push(
    'If a finding is not a secret, call the MCP tool `gitleaks-allow` with these finding ids and a justification;',
    'once the operator approves, push the same commits again. Otherwise remove the secret from the commits',
    '(rewrite them) and push again. A line carrying "gitleaks:allow" is refused, not skipped.',
  );
  return `${lines.join('\n')}\n`;
}
