import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FINDING_ID_PATTERN,
  FindingRecordSchema,
  type FindingRecord,
} from '../../images/git-gate/finding.js';

const MAX_FINDING_BYTES = 64 * 1024;

export type FindingsResult =
  { ok: true; findings: FindingRecord[] } | { ok: false; unknown: string[]; unreadable: string[] };

/**
 * Loads the gate's trusted records for the given ids from `git-gate/findings/<id>.json`. An
 * id is turned into a path only after it matched the finding-id pattern; a record that is
 * missing, not a regular file, malformed or naming another id counts as unknown.
 */
export async function loadFindings(findingsDir: string, ids: string[]): Promise<FindingsResult> {
  const findings: FindingRecord[] = [];
  const unknown: string[] = [];
  const unreadable: string[] = [];
  for (const id of ids) {
    if (!FINDING_ID_PATTERN.test(id)) {
      unknown.push(id);
      continue;
    }
    const record = await readFinding(join(findingsDir, `${id}.json`), id);
    if (record === 'missing') unknown.push(id);
    else if (record === 'unreadable') unreadable.push(id);
    else findings.push(record);
  }
  return unknown.length + unreadable.length > 0
    ? { ok: false, unknown, unreadable }
    : { ok: true, findings };
}

async function readFinding(
  file: string,
  id: string,
): Promise<FindingRecord | 'missing' | 'unreadable'> {
  try {
    const info = await lstat(file);
    if (!info.isFile() || info.size > MAX_FINDING_BYTES) return 'unreadable';
    const parsed = FindingRecordSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success && parsed.data.id === id ? parsed.data : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
}
