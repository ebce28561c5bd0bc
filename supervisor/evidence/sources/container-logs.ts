import { isoOrUndefined, type EvidenceRecord } from '../format.js';
import type { SourceResult } from './queue.js';

/** The fields of a proxy decision line (images/egress-proxy/decision-log.ts) that are kept. */
const DECISION_FIELDS = [
  'host',
  'method',
  'path',
  'route',
  'decision',
  'reason',
  'detector',
  'status',
  'ms',
];
/** The fields of a git-gate operation line (images/git-gate/op-log.ts) that are kept. */
const OP_FIELDS = ['remote', 'op', 'refs', 'result', 'ms', 'rule', 'findings', 'reason'];
/** What a proxy or gate log event may carry; anything else (errors' free text aside) is left out. */
const EVENT_FIELDS = [
  'level',
  'file',
  'sha256',
  'routes',
  'ok',
  'error',
  'reason',
  'decision',
  'timeout_ms',
  'message',
];

/** `docker compose logs` prefixes every line with its container: only these are read. */
const PREFIX = /^([\w.-]+?)\s+\|\s?(.*)$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * The proxy's decisions and the gate's operations out of `docker compose logs --no-color`
 * text (what `claude-bottle logs <slug>` prints). A line counts only when compose's own prefix
 * names the egress-proxy or git-gate container, so nothing the agent prints can pose as one;
 * only known fields are kept (no header or body is ever in them).
 */
export function parseContainerLogs(text: string): SourceResult & { skipped: number } {
  const records: EvidenceRecord[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const clean = raw.replace(ANSI, '').replace(/\r$/, '');
    if (clean.trim() === '') continue;
    const match = PREFIX.exec(clean);
    const service = match ? serviceOf(match[1]!) : undefined;
    const record = service ? recordOf(service, match![2]!) : undefined;
    if (record) records.push(record);
    else skipped++;
  }
  return { records, notes: [], skipped };
}

function serviceOf(container: string): 'egress-proxy' | 'git-gate' | undefined {
  const name = container.replace(/[-_]\d+$/, '');
  if (name === 'egress-proxy' || name.endsWith('-egress-proxy')) return 'egress-proxy';
  if (name === 'git-gate' || name.endsWith('-git-gate')) return 'git-gate';
  return undefined;
}

function recordOf(service: 'egress-proxy' | 'git-gate', body: string): EvidenceRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const line = parsed as Record<string, unknown>;
  const at = isoOrUndefined(line.ts);
  if (!at) return undefined;
  if (
    service === 'egress-proxy' &&
    typeof line.decision === 'string' &&
    typeof line.host === 'string'
  )
    return { at, source: 'egress-proxy', kind: 'decision', data: pick(line, DECISION_FIELDS) };
  if (typeof line.event !== 'string') return undefined;
  if (service === 'git-gate' && line.event === 'op')
    return { at, source: 'git-gate', kind: 'op', data: pick(line, OP_FIELDS) };
  return {
    at,
    source: service,
    kind: `event:${line.event.slice(0, 64)}`,
    data: pick(line, EVENT_FIELDS),
  };
}

function pick(line: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (line[field] !== undefined) out[field] = line[field];
  return out;
}
