import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { StateLayout } from '../../../launcher/state/layout.js';
import { readArchived } from '../../../mcp/queue/archive.js';
import { PROPOSAL_ID_PATTERN, type Decision, type Proposal } from '../../../mcp/queue/schema.js';
import { listPending, readDecision } from '../../../mcp/queue/store.js';
import { isoOrUndefined, type EvidenceRecord } from '../format.js';

export interface SourceResult {
  records: EvidenceRecord[];
  notes: string[];
}

/**
 * Proposals (pending and archived), the operator's decisions and the engines' results, from
 * `queue/`. Files that fail the queue's own readers are noted, never copied.
 */
export async function queueRecords(layout: StateLayout): Promise<SourceResult> {
  const queueDir = layout.queue.root;
  const records: EvidenceRecord[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const pending of await listPending(queueDir, (file, reason) =>
    notes.push(`skipped ${file}: ${reason}`),
  )) {
    seen.add(pending.proposal.id);
    records.push(proposalRecord(pending.proposal, 'pending', pending.sha256));
  }
  for (const id of await idsIn(layout.queue.archive)) {
    if (seen.has(id)) continue;
    const archived = await readArchived(queueDir, id);
    if (!archived.ok) {
      notes.push(`skipped ${layout.queue.archiveFile(id)}: ${archived.reason}`);
      continue;
    }
    seen.add(id);
    records.push(proposalRecord(archived.value.proposal, 'archive'));
    const note = archived.value.note;
    if (note) {
      records.push({
        at: isoOrUndefined(note.at) ?? archived.value.proposal.created_at,
        source: 'queue',
        kind: `archived-${note.status}`,
        data: { proposal_id: id, tool: archived.value.proposal.tool, by: note.by },
      });
    }
  }
  const tools = new Map<string, string>();
  for (const record of records)
    tools.set(String(record.data.proposal_id), String(record.data.tool));
  for (const id of new Set([...seen, ...(await idsIn(layout.queue.decided))])) {
    const decided = await readDecision(queueDir, id);
    if (!decided) continue;
    if (!decided.ok) {
      notes.push(`skipped ${layout.queue.decidedFile(id)}: ${decided.reason}`);
      continue;
    }
    records.push(...decisionRecords(decided.value, tools.get(id)));
  }
  return { records, notes };
}

async function idsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((id) => PROPOSAL_ID_PATTERN.test(id))
    .sort();
}

function proposalRecord(proposal: Proposal, where: string, fileSha256?: string): EvidenceRecord {
  return {
    at: proposal.created_at,
    source: 'queue',
    kind: 'proposal',
    data: {
      proposal_id: proposal.id,
      tool: proposal.tool,
      where,
      justification: proposal.justification,
      ...(proposal.expires_at ? { expires_at: proposal.expires_at } : {}),
      ...(fileSha256 ? { file_sha256: fileSha256 } : {}),
      payload: payloadOf(proposal),
    },
  };
}

/** The payload; whole files are kept (scrubbed later) beside the sha256 of what was proposed. */
function payloadOf(proposal: Proposal): Record<string, unknown> {
  switch (proposal.tool) {
    case 'egress-proxy-block':
      return { ...proposal.payload, routes_yaml_sha256: sha256(proposal.payload.routes_yaml) };
    case 'capability-block':
      return { ...proposal.payload, dockerfile_sha256: sha256(proposal.payload.dockerfile) };
    case 'gitleaks-allow':
      return {
        finding_ids: proposal.payload.finding_ids,
        findings: proposal.payload.findings.map((f) => ({
          id: f.id,
          rule: f.rule,
          file: f.file,
          line: f.line,
          fingerprint: f.fingerprint,
        })),
      };
    case 'egress-token-allow':
      return { ...proposal.payload };
  }
}

function decisionRecords(decision: Decision, tool: string | undefined): EvidenceRecord[] {
  const records: EvidenceRecord[] = [
    {
      at: decision.decided_at,
      source: 'operator',
      kind: 'decision',
      data: {
        proposal_id: decision.id,
        ...(tool ? { tool } : {}),
        decision: decision.decision,
        reason: decision.reason,
        by: decision.decided_by,
        ...(decision.proposal_sha256 ? { proposal_sha256: decision.proposal_sha256 } : {}),
        ...(decision.modified_payload
          ? { modified_payload_sha256: sha256(JSON.stringify(decision.modified_payload)) }
          : {}),
      },
    },
  ];
  if (decision.applied !== undefined || decision.message !== undefined) {
    records.push({
      at: decision.decided_at,
      source: 'engine',
      kind: 'result',
      data: {
        proposal_id: decision.id,
        ...(tool ? { tool } : {}),
        ...(decision.applied === undefined ? {} : { applied: decision.applied }),
        ...(decision.message === undefined ? {} : { message: decision.message }),
      },
    });
  }
  return records;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
