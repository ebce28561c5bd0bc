import { createHash } from 'node:crypto';
import { constants, type FileHandle, open } from 'node:fs/promises';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Reads a JSON file a less trusted process may have planted or may be swapping: opened without
 * following a symlink and without blocking on a FIFO, checked on the open handle (a regular
 * file within `maxBytes`), and read from that handle only, so nothing can change between the
 * check and the read. Also returns the sha256 of the bytes read: what an operator was shown.
 */
export async function readJsonFile(
  file: string,
  maxBytes: number,
): Promise<ReadResult<{ json: unknown; sha256: string }>> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing' };
    if (code === 'ELOOP') return { ok: false, reason: 'a symbolic link, not a regular file' };
    return { ok: false, reason: `cannot open it (${code ?? 'error'})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not a regular file' };
    if (info.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    // Sized by the file, not the cap: a flood of calls reads every queued file each time, and
    // a zeroed 1 MiB buffer per small file was most of a call's cost. A file still growing
    // while it is read grows the buffer, never past the cap (+1 byte to notice it).
    let buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    }
    const bytes = buffer.subarray(0, length);
    try {
      return {
        ok: true,
        value: {
          json: JSON.parse(bytes.toString('utf8')) as unknown,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      };
    } catch (error) {
      return { ok: false, reason: `malformed JSON: ${(error as Error).message.slice(0, 200)}` };
    }
  } finally {
    await handle.close();
  }
}
