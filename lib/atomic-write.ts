import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  mode?: number;
}

/**
 * Writes a file so readers see either the old content or the whole new one: a temp file in
 * the same folder (so the rename never crosses a filesystem), fsync, then rename. Folder
 * mounts see the rename; that is why live-config/ is mounted as a folder.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = await writeTemp(path, data, options);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Creates a file atomically and exclusively: a temp file hard-linked into place, so readers see
 * all of it or nothing and a second writer fails. Returns false when the file already exists.
 */
export async function writeFileExclusive(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const temp = await writeTemp(path, data, options);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** A fully written, fsynced temp file beside `path`; removed again if writing fails. */
async function writeTemp(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return temp;
}
