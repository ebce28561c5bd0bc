import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { isBottleError } from '../../../../lib/errors.js';
import { evidenceKeyPaths } from '../../../../lib/home.js';
import { loadOrCreateSigningKey } from '../../../../supervisor/evidence/signing-key.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

describe('the home evidence signing key', () => {
  it('is created once, 0600, and loaded the same afterwards', async () => {
    const tree = await tempTree();
    trees.push(tree);
    const home = tree.path('home');
    const first = await loadOrCreateSigningKey(home);
    assert.equal(first.created, true);
    const paths = evidenceKeyPaths(home);
    assert.equal((await stat(paths.privateKey)).mode & 0o777, 0o600);
    assert.match(await readFile(paths.publicKey, 'utf8'), /BEGIN PUBLIC KEY/);
    const second = await loadOrCreateSigningKey(home);
    assert.equal(second.created, false);
    assert.equal(second.fingerprint, first.fingerprint);
  });

  it('exports started together agree on one key and leave no temporary file', async () => {
    const tree = await tempTree();
    trees.push(tree);
    const home = tree.path('home');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKey(home)));
    assert.equal(new Set(keys.map((k) => k.fingerprint)).size, 1);
    assert.equal(keys.filter((k) => k.created).length, 1);
    const files = await readdir(evidenceKeyPaths(home).dir);
    assert.deepEqual(files.sort(), ['evidence-ed25519.pem', 'evidence-ed25519.pub.pem']);
  });

  it('refuses a private key other users can read', async () => {
    const tree = await tempTree();
    trees.push(tree);
    const home = tree.path('home');
    await loadOrCreateSigningKey(home);
    await chmod(evidenceKeyPaths(home).privateKey, 0o644);
    await assert.rejects(
      loadOrCreateSigningKey(home),
      (error) => isBottleError(error) && error.code === 'STATE_INVALID',
    );
  });
});
