import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Widgets } from 'blessed';
import { BottleError } from '../../lib/errors.js';

/**
 * Opens `text` in the operator's editor with the screen handed over to it (blessed's exec
 * leaves the alternate screen, cooks the terminal, and restores both after), and returns the
 * saved file. The file sits in a fresh private folder (mkdtemp is 0700), removed afterwards.
 */
export async function editText(
  screen: Widgets.Screen,
  text: string,
  fileName: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claude-bottle-edit-'));
  const file = join(dir, fileName);
  try {
    await writeFile(file, text, { mode: 0o600 });
    const editor = env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
    // The editor setting may carry arguments ("code --wait"); the file is passed as $1.
    const ok = await new Promise<boolean>((resolve, reject) => {
      screen.exec(
        'sh',
        ['-c', `${editor} "$1"`, 'sh', file],
        { env },
        (error: Error | null, success: boolean) => (error ? reject(error) : resolve(success)),
      );
    }).catch((error: Error) => {
      throw new BottleError('EDITOR_FAILED', `could not run ${editor}: ${error.message}`, {
        hint: 'set $VISUAL or $EDITOR to an editor on your PATH',
      });
    });
    if (!ok) {
      throw new BottleError(
        'EDITOR_FAILED',
        `${editor} exited with an error: nothing was applied`,
        {
          hint: 'set $VISUAL or $EDITOR to an editor that waits until you close the file (e.g. "code --wait")',
        },
      );
    }
    return await readFile(file, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
