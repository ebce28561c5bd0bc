import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ERROR_EXIT_CODES } from '../../../lib/errors.js';

// docs/errors.md is the user's table of error codes: it must say exactly what the code does.
describe('docs/errors.md', () => {
  it('lists every error code with the exit code ERROR_EXIT_CODES gives it, and no other', async () => {
    const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const row of doc.split('\n').filter((line) => /^\| `[A-Z_]+`/.test(line))) {
      const [codes, exit] = row.split('|').slice(1, 3);
      for (const [, code] of codes!.matchAll(/`([A-Z_]+)`/g)) documented.set(code!, Number(exit));
    }
    assert.deepEqual(
      Object.fromEntries([...documented].sort()),
      Object.fromEntries(Object.entries(ERROR_EXIT_CODES).sort()),
    );
  });
});
