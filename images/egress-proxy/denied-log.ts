import { appendFile, open } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { Logger } from '../../lib/log.js';
import type { DecisionObserver, DecisionRecord } from './decision-log.js';
import { DENIED_LOG_LIMITS, DeniedEntrySchema, deniedEntryOf } from './denied-entry.js';

export interface DeniedLogOptions {
  /** `denied.jsonl` in a folder the proxy may write (rotation renames inside it). */
  file: string;
  logger: Logger;
  limits?: { keepLines: number; maxLines: number; maxBytes: number };
  /** Refusals are batched for this long before one append (default 250 ms). */
  flushMs?: number;
}

/**
 * The bottle's recent refusals, as denied.jsonl (format: denied-entry.ts). Off the request
 * path: a refusal is one JSON.stringify and two array pushes; lines are appended in batches
 * from a timer, never fsynced one by one. The newest `keepLines` stay in memory; when the file
 * would pass `maxLines` or `maxBytes` it is rewritten atomically (temp + rename) with them.
 * A failing write is logged once (`denied_log_failed`) and never affects a request.
 */
export class DeniedLog implements DecisionObserver {
  private readonly limits;
  private readonly flushMs: number;
  private ring: string[] = [];
  private pending: string[] = [];
  private fileLines = 0;
  private fileBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failing = false;

  private constructor(private readonly options: DeniedLogOptions) {
    this.limits = options.limits ?? DENIED_LOG_LIMITS;
    this.flushMs = options.flushMs ?? 250;
  }

  /** Opens the log, taking the newest entries of an existing file (a restarted proxy) in. */
  static async open(options: DeniedLogOptions): Promise<DeniedLog> {
    const log = new DeniedLog(options);
    await log.readExisting();
    return log;
  }

  observe(record: DecisionRecord, ts: string): void {
    const entry = deniedEntryOf(record, ts);
    if (!entry) return;
    const line = `${JSON.stringify(entry)}\n`;
    this.ring.push(line);
    if (this.ring.length > this.limits.keepLines) this.ring.shift();
    this.pending.push(line);
    // A flood between two writes: only the newest keepLines would survive a rotation anyway.
    if (this.pending.length > this.limits.keepLines) this.pending.shift();
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it is on disk (or failed and was logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    // The ring as of this batch: a rotation writes exactly the lines up to it, no later ones.
    const snapshot = this.ring.slice();
    this.writing = this.write(batch, snapshot).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(batch: string[], snapshot: string[]): Promise<void> {
    const { file, logger } = this.options;
    const bytes = byteLength(batch);
    try {
      if (
        this.fileLines + batch.length > this.limits.maxLines ||
        this.fileBytes + bytes > this.limits.maxBytes
      ) {
        const kept = newest(snapshot, this.limits.keepLines, this.limits.maxBytes / 2);
        await writeFileAtomic(file, kept.join(''), { mode: 0o644 });
        this.fileLines = kept.length;
        this.fileBytes = byteLength(kept);
      } else {
        await appendFile(file, batch.join(''), { mode: 0o644 });
        this.fileLines += batch.length;
        this.fileBytes += bytes;
      }
      if (this.failing) logger.info('denied_log_recovered', { file });
      this.failing = false;
    } catch (error) {
      if (!this.failing) logger.warn('denied_log_failed', { file, error });
      this.failing = true;
      // The file may hold part of the batch: the next write rewrites it from memory.
      this.fileLines = this.limits.maxLines;
    }
  }

  private async readExisting(): Promise<void> {
    const { file, logger } = this.options;
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn('denied_log_failed', { file, error });
        this.fileLines = this.limits.maxLines;
      }
      return;
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, this.limits.maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      if (size > length) lines.shift(); // started mid-line
      const valid = lines.filter((line) => isEntry(line)).map((line) => `${line}\n`);
      this.ring = valid.slice(-this.limits.keepLines);
      this.fileBytes = size;
      // A file that was cut, or holds bad lines, is rewritten from memory on the first write.
      this.fileLines =
        size > length || valid.length !== lines.filter((l) => l !== '').length
          ? this.limits.maxLines
          : valid.length;
    } catch (error) {
      logger.warn('denied_log_failed', { file, error });
      this.fileLines = this.limits.maxLines;
    } finally {
      await handle.close();
    }
  }
}

function isEntry(line: string): boolean {
  if (line === '') return false;
  try {
    return DeniedEntrySchema.safeParse(JSON.parse(line)).success;
  } catch {
    return false;
  }
}

/** The newest lines, at most `count` of them and `maxBytes` together, oldest first. */
function newest(lines: string[], count: number, maxBytes: number): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < count; i--) {
    const size = Buffer.byteLength(lines[i]!);
    if (bytes + size > maxBytes) break;
    bytes += size;
    kept.push(lines[i]!);
  }
  return kept.reverse();
}

function byteLength(lines: string[]): number {
  let total = 0;
  for (const line of lines) total += Buffer.byteLength(line);
  return total;
}
