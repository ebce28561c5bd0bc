import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGitPush, normalisePath } from '../../../../images/egress-proxy/path.js';

describe('normalisePath', () => {
  const accepted: [string, string, string][] = [
    ['/repos/acme/x', '/repos/acme/x', ''],
    ['/repos//acme///x', '/repos/acme/x', ''],
    ['/%72epos/%61cme', '/repos/acme', ''],
    ['/a/./b/.', '/a/b/', ''],
    ['/a%20b', '/a%20b', ''],
    ['/a%3ab', '/a%3Ab', ''],
    ['/x?q=1&r=%2e', '/x', 'q=1&r=%2e'],
    ['/x#frag', '/x', ''],
  ];
  for (const [input, path, query] of accepted) {
    it(`normalises ${input}`, () => {
      assert.deepEqual(normalisePath(input), { ok: true, path, query });
    });
  }
  const refused = [
    '/a/../b',
    '/..',
    '/a/%2e%2e/b',
    '/a/%2E',
    '/a%2fb',
    '/a%5Cb',
    '/a\\b',
    '/a%zz',
    '/a%2',
    'a/b',
    '/a b',
    '/caf\u00e9',
  ];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const result = normalisePath(input);
      assert.equal(result.ok, false);
    });
  }
});

describe('isGitPush', () => {
  it('sees both push shapes and nothing else', () => {
    assert.ok(isGitPush('/acme/repo.git/git-receive-pack', ''));
    assert.ok(isGitPush('/acme/repo.git/info/refs', 'service=git-receive-pack'));
    assert.ok(isGitPush('/acme/repo/info/refs', 'x=1&service=git-receive-pack'));
    assert.ok(!isGitPush('/acme/repo.git/info/refs', 'service=git-upload-pack'));
    assert.ok(!isGitPush('/acme/repo.git/git-upload-pack', ''));
  });
});
