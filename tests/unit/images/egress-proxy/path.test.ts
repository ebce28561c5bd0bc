import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isGitPush,
  isGitPushContentType,
  normalisePath,
} from '../../../../images/egress-proxy/path.js';

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
  it('sees through case, ;params, trailing "/" or "/." and an encoded query', () => {
    assert.ok(isGitPush('/r.git/git-receive-pack;x=1', ''));
    assert.ok(isGitPush('/r.git/GIT-RECEIVE-PACK', ''));
    assert.ok(isGitPush('/r.git/git-receive-pack/', ''));
    assert.ok(isGitPush('/r.git/git-receive-pack/.', ''));
    assert.ok(isGitPush('/r.git/info/refs', 'service=git%2Dreceive-pack'));
    assert.ok(isGitPush('/r.git/info/refs;x', 'service=git-receive-pack'));
    assert.ok(isGitPush('/r.git/info/refs/', 'a=1;SERVICE=git-receive-pack'));
    assert.ok(!isGitPush('/r.git/info/refs', 'service=git-upload-pack'));
    assert.ok(!isGitPush('/r.git/git-receive-packx', ''));
  });
  it('sees a receive-pack request body by its content type', () => {
    assert.ok(isGitPushContentType('application/x-git-receive-pack-request'));
    assert.ok(isGitPushContentType('Application/X-Git-Receive-Pack-Request; charset=x'));
    assert.ok(!isGitPushContentType('application/x-git-upload-pack-request'));
    assert.ok(!isGitPushContentType(undefined));
  });
});
