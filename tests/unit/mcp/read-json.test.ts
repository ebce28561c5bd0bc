import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readJsonFile } from '../../../mcp/queue/read-json.js';

// The buffer is sized by the file (not the cap) since a flood re-reads every queued file.
describe('readJsonFile', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'cb-read-json-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a file of any size up to the cap, with the sha256 of its bytes', async () => {
    for (const size of [0, 1, 4096, 70_000]) {
      const text = JSON.stringify({ pad: 'x'.repeat(size) });
      const file = join(dir, `f${size}.json`);
      await writeFile(file, text);
      const result = await readJsonFile(file, 100_000);
      assert.equal(result.ok, true);
      if (result.ok) {
        assert.deepEqual(result.value.json, { pad: 'x'.repeat(size) });
        assert.equal(result.value.sha256, createHash('sha256').update(text).digest('hex'));
      }
    }
  });

  it('refuses a file over the cap, a symlink and a missing file', async () => {
    const big = join(dir, 'big.json');
    await writeFile(big, JSON.stringify({ pad: 'x'.repeat(2000) }));
    assert.deepEqual(await readJsonFile(big, 1000), {
      ok: false,
      reason: 'larger than 1000 bytes',
    });
    const link = join(dir, 'link.json');
    await symlink(big, link);
    assert.equal((await readJsonFile(link, 100_000)).ok, false);
    assert.deepEqual(await readJsonFile(join(dir, 'none.json'), 10), {
      ok: false,
      reason: 'missing',
    });
  });
});
