import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateLayout } from '../../launcher/state/layout.js';
import { readMetadata, updateMetadata } from '../../launcher/state/metadata.js';
import { withFileLock } from '../../lib/file-lock.js';
import { chainLine, lineHash, verifyChain, type AuditEntry, type VerifyResult } from './chain.js';

/** The supervisor's decisions and operator changes: `audit/supervisor.jsonl`. */
export const AUDIT_COMPONENT = 'supervisor';

export function auditFile(layout: StateLayout, component = AUDIT_COMPONENT): string {
  return join(layout.audit, `${component}.jsonl`);
}

/** Appends one chained line and moves the head in metadata.json, under one lock. */
export async function appendAudit(
  layout: StateLayout,
  entry: AuditEntry,
  now: Date = new Date(),
  component = AUDIT_COMPONENT,
): Promise<void> {
  await mkdir(layout.audit, { recursive: true });
  await withFileLock(join(layout.audit, `.${component}.lock`), async () => {
    const heads = (await readMetadata(layout.metadata)).audit_heads ?? {};
    const head = heads[component] ?? { lines: 0, sha256: '' };
    const line = chainLine(entry, head, now);
    await appendFile(auditFile(layout, component), `${line}\n`, { mode: 0o644 });
    await updateMetadata(layout.metadata, {
      audit_heads: { ...heads, [component]: { lines: head.lines + 1, sha256: lineHash(line) } },
    });
  });
}

/** Reads a bottle's audit log and checks it against the head in metadata.json. */
export async function readAudit(
  layout: StateLayout,
  component = AUDIT_COMPONENT,
): Promise<{ text: string; verify: VerifyResult }> {
  const text = await readFile(auditFile(layout, component), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  const head = (await readMetadata(layout.metadata)).audit_heads?.[component];
  return { text, verify: verifyChain(text, head) };
}
