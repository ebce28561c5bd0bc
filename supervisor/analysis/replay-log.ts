import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { DeniedEntrySchema, type DeniedEntry } from '../../images/egress-proxy/denied-entry.js';

/** What the supervisor read of a bottle's denied.jsonl (written by the proxy: denied-log.ts). */
export interface DeniedLogRead {
  /** Oldest first, as the proxy appended them. */
  entries: DeniedEntry[];
  /** Lines that are not a denied entry: skipped and counted, never fatal. */
  skipped: number;
  /** Why the file could not be read; absent when it was read or does not exist yet. */
  problem?: string;
}

/**
 * The proxy keeps the file under 256 KiB; more than this is not its file as written, and only
 * the newest part is read (the first, torn line dropped).
 */
const MAX_READ_BYTES = 1024 * 1024;

/** Reads the denied log; a missing file is no refusals yet. Never throws. */
export async function readDeniedLog(file: string): Promise<DeniedLogRead> {
  let handle;
  try {
    // The folder is the proxy's to write: never follow a link it left, never block on a FIFO.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { entries: [], skipped: 0 };
    if (code === 'ELOOP')
      return { entries: [], skipped: 0, problem: `${file} is a symbolic link: not followed` };
    return { entries: [], skipped: 0, problem: `cannot read ${file}: ${code ?? 'read failed'}` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      return { entries: [], skipped: 0, problem: `${file} is not a regular file: not read` };
    const { size } = info;
    const length = Math.min(size, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (size > length) lines.shift();
    return parseDeniedLines(lines);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { entries: [], skipped: 0, problem: `cannot read ${file}: ${code ?? 'read failed'}` };
  } finally {
    await handle.close();
  }
}

/** Each non-empty line parsed with the proxy's own schema; the others counted. */
export function parseDeniedLines(lines: readonly string[]): DeniedLogRead {
  const entries: DeniedEntry[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const parsed = DeniedEntrySchema.safeParse(value);
    if (parsed.success) entries.push(parsed.data);
    else skipped++;
  }
  return { entries, skipped };
}
