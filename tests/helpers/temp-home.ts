import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway directory tree written from a map of relative path → contents. */
export interface TempTree {
  root: string;
  path(relative: string): string;
  write(relative: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempTree(files: Record<string, string> = {}): Promise<TempTree> {
  const root = await mkdtemp(join(tmpdir(), 'cb-test-'));
  const tree: TempTree = {
    root,
    path: (relative) => join(root, relative),
    async write(relative, text) {
      const file = join(root, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      return file;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  for (const [relative, text] of Object.entries(files)) await tree.write(relative, text);
  return tree;
}
