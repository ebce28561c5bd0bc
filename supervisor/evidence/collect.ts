import { readFile } from 'node:fs/promises';
import { composeLogs } from '../../launcher/compose.js';
import { BottleError } from '../../lib/errors.js';
import type { BottleRef } from '../queue/bottles.js';
import type { EvidenceRecord } from './format.js';
import { auditRecords } from './sources/audit.js';
import { parseContainerLogs } from './sources/container-logs.js';
import { findingRecords } from './sources/git-gate.js';
import { queueRecords, type SourceResult } from './sources/queue.js';
import { transcriptRecords } from './sources/transcript.js';

const LOG_SERVICES = ['egress-proxy', 'git-gate'];

export interface CollectOptions {
  env: NodeJS.ProcessEnv;
  /** A saved `claude-bottle logs <slug>` output to read instead of asking the engine. */
  logsFile?: string;
  /** How the running containers' logs are read (tests replace it; default `docker compose logs`). */
  containerLogs?: (bottle: BottleRef, services: string[]) => Promise<string>;
}

export interface Collected {
  records: EvidenceRecord[];
  notes: string[];
}

/** Every source of one bottle, unordered; what is missing is said in notes. */
export async function collectEvidence(
  bottle: BottleRef,
  options: CollectOptions,
): Promise<Collected> {
  const results: SourceResult[] = [
    await containerLogRecords(bottle, options),
    await findingRecords(bottle.layout),
    await queueRecords(bottle.layout),
    await auditRecords(bottle.layout),
    await transcriptRecords(bottle.layout.transcript),
  ];
  return {
    records: results.flatMap((result) => result.records),
    notes: results.flatMap((result) => result.notes),
  };
}

async function containerLogRecords(
  bottle: BottleRef,
  options: CollectOptions,
): Promise<SourceResult> {
  const missing = 'the proxy decisions and git-gate operations are not included';
  let text: string;
  if (options.logsFile !== undefined) {
    try {
      text = await readFile(options.logsFile, 'utf8');
    } catch (error) {
      throw new BottleError(
        'NOT_FOUND',
        `cannot read --logs ${options.logsFile}: ${firstLine(error)}`,
        {
          hint: `save the logs with \`claude-bottle logs ${bottle.slug} > FILE\` and pass that file`,
        },
      );
    }
  } else {
    const services = LOG_SERVICES.filter(
      (service) =>
        bottle.metadata.services.length === 0 || bottle.metadata.services.includes(service),
    );
    if (bottle.metadata.status === 'stopped' || bottle.metadata.status === 'failed') {
      return {
        records: [],
        notes: [
          `bottle is ${bottle.metadata.status}: its containers and their logs are gone, so ${missing} (keep \`claude-bottle logs ${bottle.slug} > FILE\` before stopping and pass --logs FILE)`,
        ],
      };
    }
    try {
      text = await (options.containerLogs ?? composeContainerLogs(options.env))(bottle, services);
    } catch (error) {
      return {
        records: [],
        notes: [`container logs unreadable (${firstLine(error)}): ${missing}`],
      };
    }
  }
  const parsed = parseContainerLogs(text);
  const notes =
    parsed.records.length === 0
      ? [`no proxy decision or git-gate operation found in the container logs`]
      : [];
  return { records: parsed.records, notes };
}

function composeContainerLogs(env: NodeJS.ProcessEnv) {
  return async (bottle: BottleRef, services: string[]): Promise<string> => {
    let out = '';
    let err = '';
    const code = await composeLogs(
      { file: bottle.layout.composeFile, env, signal: AbortSignal.timeout(60_000) },
      services,
      {
        follow: false,
        stdout: { write: (chunk: string) => (out += chunk) },
        stderr: { write: (chunk: string) => (err += chunk) },
      },
    );
    if (code !== 0)
      throw new Error(err.trim().split('\n').at(-1) || `docker compose logs exited ${code}`);
    return out;
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}
