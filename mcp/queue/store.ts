import { mkdir, readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeFileAtomic, writeFileExclusive } from '../../lib/atomic-write.js';
import { queuePaths } from './paths.js';
import { readJsonFile, type ReadResult } from './read-json.js';
import {
  DecisionSchema,
  LIMITS,
  PROPOSAL_ID_PATTERN,
  ProposalSchema,
  QUEUE_SOURCES,
  TOOLS_BY_SOURCE,
  type Decision,
  type Proposal,
  type QueueSource,
} from './schema.js';

/** A proposal as read back from disk, with what its path (never its content) says. */
export interface PendingProposal {
  source: QueueSource;
  proposal: Proposal;
  file: string;
  /** sha256 of the file's bytes as read: binds what an operator was shown to what is decided. */
  sha256: string;
}

export type { ReadResult };

/** More pending files than this per source are not read (a flood is reported, not loaded). */
export const MAX_PENDING_PER_SOURCE = 200;
/** How far a producer's clock may run ahead of the host's. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Writes `pending/<source>/<id>.json` atomically. The producer owns only its folder. */
export async function writeProposal(
  queueDir: string,
  source: QueueSource,
  proposal: Proposal,
): Promise<string> {
  const paths = queuePaths(queueDir);
  checkSourceMayFile(source, proposal);
  await mkdir(paths.pending(source), { recursive: true });
  const file = paths.pendingFile(source, proposal.id);
  await writeFileAtomic(file, `${JSON.stringify(proposal, null, 2)}\n`, { mode: 0o644 });
  return file;
}

/**
 * Reads one pending proposal file. Its source comes from the folder; the id must match the
 * file name and the tool must belong to that source, or it is refused.
 */
export async function readPendingFile(
  queueDir: string,
  source: QueueSource,
  file: string,
): Promise<ReadResult<PendingProposal>> {
  const name = basename(file, '.json');
  if (!PROPOSAL_ID_PATTERN.test(name))
    return { ok: false, reason: `file name "${basename(file)}" is not <proposal id>.json` };
  const parsed = await readJsonFile(file, LIMITS.proposalFileBytes);
  if (!parsed.ok) return parsed;
  const result = ProposalSchema.safeParse(parsed.value.json);
  if (!result.success)
    return {
      ok: false,
      reason: `not a valid proposal: ${result.error.issues[0]?.message ?? 'invalid'}`,
    };
  const proposal = result.data;
  if (proposal.id !== name)
    return { ok: false, reason: `id "${proposal.id}" does not match its file name` };
  if (!proposal.id.startsWith(`${source}-`))
    return { ok: false, reason: `id "${proposal.id}" was not issued by source "${source}"` };
  if (!TOOLS_BY_SOURCE[source].includes(proposal.tool)) {
    return { ok: false, reason: `tool "${proposal.tool}" may not be filed by source "${source}"` };
  }
  // Only the proxy holds a request with a deadline; an agent-set one would fake urgency.
  if (proposal.expires_at !== undefined && source !== 'egress-proxy')
    return { ok: false, reason: `source "${source}" may not set expires_at` };
  // Only the agent's own proposals replace each other; the proxy's held requests never do.
  if (proposal.supersedes !== undefined && source !== 'agent')
    return { ok: false, reason: `source "${source}" may not supersede proposals` };
  if (proposal.supersedes?.some((id) => !id.startsWith(`${source}-`) || id === proposal.id))
    return { ok: false, reason: 'supersedes names a proposal of another source or itself' };
  if (Date.parse(proposal.created_at) > Date.now() + CLOCK_SKEW_MS)
    return { ok: false, reason: 'created_at lies in the future' };
  return { ok: true, value: { source, proposal, file, sha256: parsed.value.sha256 } };
}

/** Every pending proposal of every source; unreadable or foreign files are reported, not thrown. */
export async function listPending(
  queueDir: string,
  onSkip: (file: string, reason: string) => void = () => {},
): Promise<PendingProposal[]> {
  const paths = queuePaths(queueDir);
  const found: PendingProposal[] = [];
  for (const source of QUEUE_SOURCES) {
    let names: string[];
    try {
      names = await readdir(paths.pending(source));
    } catch {
      continue;
    }
    const candidates = names.filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    if (candidates.length > MAX_PENDING_PER_SOURCE) {
      onSkip(
        paths.pending(source),
        `${candidates.length - MAX_PENDING_PER_SOURCE} more files than the ${MAX_PENDING_PER_SOURCE} read per listing (a flood?)`,
      );
    }
    for (const name of candidates.sort().slice(0, MAX_PENDING_PER_SOURCE)) {
      const file = `${paths.pending(source)}/${name}`;
      const result = await readPendingFile(queueDir, source, file);
      if (result.ok) found.push(result.value);
      else onSkip(file, result.reason);
    }
  }
  return found;
}

/** Finds a pending proposal by id in its source's folder. */
export async function findPending(
  queueDir: string,
  id: string,
): Promise<PendingProposal | undefined> {
  if (!PROPOSAL_ID_PATTERN.test(id)) return undefined;
  const source = QUEUE_SOURCES.find((s) => id.startsWith(`${s}-`));
  if (!source) return undefined;
  const result = await readPendingFile(
    queueDir,
    source,
    queuePaths(queueDir).pendingFile(source, id),
  );
  return result.ok ? result.value : undefined;
}

/**
 * Reads `decided/<id>.json`. `undefined` while no decision exists; a malformed decision is a
 * result the caller must treat as a refusal (fail closed), never as approval.
 */
export async function readDecision(
  queueDir: string,
  id: string,
): Promise<ReadResult<Decision> | undefined> {
  const file = queuePaths(queueDir).decidedFile(id);
  const parsed = await readJsonFile(file, LIMITS.proposalFileBytes);
  if (!parsed.ok && parsed.reason === 'missing') return undefined;
  if (!parsed.ok) return parsed;
  const result = DecisionSchema.safeParse(parsed.value.json);
  if (!result.success)
    return {
      ok: false,
      reason: `malformed decision: ${result.error.issues[0]?.message ?? 'invalid'}`,
    };
  if (result.data.id !== id)
    return { ok: false, reason: `decision file names id "${result.data.id}", expected "${id}"` };
  return { ok: true, value: result.data };
}

/**
 * The operator's side: creates `decided/<id>.json` exclusively and atomically (a temp file
 * hard-linked into place: readers see all of it or nothing, and a second writer fails).
 * Returns the decision already there when another operator decided first.
 */
export async function writeDecision(
  queueDir: string,
  decision: Decision,
): Promise<{ written: true } | { written: false; existing: ReadResult<Decision> }> {
  const paths = queuePaths(queueDir);
  await mkdir(paths.decided, { recursive: true });
  const text = `${JSON.stringify(DecisionSchema.parse(decision), null, 2)}\n`;
  if (await writeFileExclusive(paths.decidedFile(decision.id), text)) return { written: true };
  const existing = await readDecision(queueDir, decision.id);
  return {
    written: false,
    existing: existing ?? { ok: false, reason: 'a decision appeared and vanished' },
  };
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this many ms and return undefined. */
  timeoutMs?: number;
  pollMs?: number;
  /** Called on every poll tick with the elapsed ms (progress notifications hang off this). */
  onTick?: (elapsedMs: number) => void;
}

/**
 * Waits for `decided/<id>.json` by polling: it works the same on bind mounts, across
 * containers and on every platform, and a decision is a rare, human-paced event.
 */
export async function waitForDecision(
  queueDir: string,
  id: string,
  options: WaitOptions = {},
): Promise<ReadResult<Decision> | undefined> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 250;
  for (;;) {
    const decision = await readDecision(queueDir, id);
    if (decision) return decision;
    const elapsed = Date.now() - started;
    if (options.timeoutMs !== undefined && elapsed >= options.timeoutMs) return undefined;
    if (options.signal?.aborted) return undefined;
    options.onTick?.(elapsed);
    await sleep(
      Math.min(
        pollMs,
        options.timeoutMs === undefined ? pollMs : Math.max(1, options.timeoutMs - elapsed),
      ),
      options.signal,
    );
  }
}

function checkSourceMayFile(source: QueueSource, proposal: Proposal): void {
  if (!TOOLS_BY_SOURCE[source].includes(proposal.tool) || !proposal.id.startsWith(`${source}-`)) {
    throw new Error(
      `source "${source}" may not file a "${proposal.tool}" proposal with id ${proposal.id}`,
    );
  }
  ProposalSchema.parse(proposal);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
