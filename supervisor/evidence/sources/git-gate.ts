import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FINDING_ID_PATTERN } from '../../../images/git-gate/finding.js';
import type { StateLayout } from '../../../launcher/state/layout.js';
import { loadFindings } from '../../../mcp/validate/findings.js';
import { isoOrUndefined, type EvidenceRecord } from '../format.js';
import type { SourceResult } from './queue.js';

/**
 * git-gate's findings (`git-gate/findings/<id>.json`, written when gitleaks refused a push),
 * read through the same reader the supervisor trusts. The redacted excerpt is kept (scrubbed
 * again on the way out); the secret itself is never in a finding.
 */
export async function findingRecords(layout: StateLayout): Promise<SourceResult> {
  const names = await readdir(layout.findings).catch(() => [] as string[]);
  const ids = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((id) => FINDING_ID_PATTERN.test(id))
    .sort();
  const notes: string[] = [];
  const records: EvidenceRecord[] = [];
  for (const id of ids) {
    const loaded = await loadFindings(layout.findings, [id]);
    if (!loaded.ok) {
      notes.push(`skipped git-gate finding ${id}: unreadable`);
      continue;
    }
    for (const finding of loaded.findings) {
      const mtime = await lstat(join(layout.findings, `${id}.json`)).then(
        (info) => info.mtime.toISOString(),
        () => new Date(0).toISOString(),
      );
      records.push({
        at: isoOrUndefined(finding.created_at) ?? mtime,
        source: 'git-gate',
        kind: 'finding',
        data: {
          id: finding.id,
          remote: finding.remote,
          rule: finding.rule,
          ...(finding.description ? { description: finding.description } : {}),
          file: finding.file,
          line: finding.line,
          commit: finding.commit,
          fingerprint: finding.fingerprint,
          redacted: finding.redacted,
        },
      });
    }
  }
  return { records, notes };
}
