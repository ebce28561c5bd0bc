import { readdir } from 'node:fs/promises';
import type { StateLayout } from '../../../launcher/state/layout.js';
import { lineHash } from '../../audit/chain.js';
import { readAudit } from '../../audit/log.js';
import { isoOrUndefined, type EvidenceRecord } from '../format.js';
import type { SourceResult } from './queue.js';

/**
 * Every `audit/<component>.jsonl` line, each with its own sha256 so the audit chain can be
 * re-checked from the bundle; a chain that fails its own --verify is noted.
 */
export async function auditRecords(layout: StateLayout): Promise<SourceResult> {
  const records: EvidenceRecord[] = [];
  const notes: string[] = [];
  const names = await readdir(layout.audit).catch(() => [] as string[]);
  const components = names
    .filter((name) => /^[a-z0-9][a-z0-9_-]*\.jsonl$/.test(name))
    .map((name) => name.slice(0, -'.jsonl'.length))
    .sort();
  if (components.length === 0) notes.push('no audit log in state (no decision made yet)');
  for (const component of components) {
    const { text, verify } = await readAudit(layout, component);
    if (!verify.ok)
      notes.push(
        `audit/${component}.jsonl fails its chain at line ${verify.line}: ${verify.problem}`,
      );
    let lineNo = 0;
    let lastAt = new Date(0).toISOString();
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      lineNo++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        notes.push(`audit/${component}.jsonl line ${lineNo} is not JSON; left out`);
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
      const line = parsed as Record<string, unknown>;
      lastAt = isoOrUndefined(line.ts) ?? lastAt;
      records.push({
        at: lastAt,
        source: 'audit',
        kind: typeof line.decision === 'string' ? line.decision : 'line',
        data: { component, line: lineNo, line_sha256: lineHash(raw), entry: line },
      });
    }
  }
  return { records, notes };
}
