import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BottleError } from '../../../../lib/errors.js';
import { gateUrlFor, GitPolicySchema, parseGitPolicy } from '../../../../images/git-gate/policy.js';

const remote = (fields: Record<string, unknown> = {}) => ({
  name: 'origin',
  url: 'git@github.com:acme/app.git',
  ...fields,
});

function parse(value: unknown) {
  return parseGitPolicy(JSON.stringify(value), 'live-config/git-policy.json');
}

describe('git-policy.json', () => {
  it('fills the push defaults: nothing but non-default branches', () => {
    const policy = parse({ v: 1, remotes: [remote()] });
    assert.deepEqual(policy.remotes[0]?.push, {
      force: false,
      delete: false,
      tags: false,
      ci_paths: false,
    });
    assert.deepEqual(policy.remotes[0]?.extra_hosts, {});
  });

  for (const url of [
    'ssh://git@github.com/acme/app.git',
    'ssh://git@git.example.test:2222/srv/repo.git',
    'git@github.com:acme/app.git',
    'https://github.com/acme/app.git',
  ]) {
    it(`accepts the upstream URL ${url}`, () => {
      assert.equal(parse({ v: 1, remotes: [remote({ url })] }).remotes[0]?.url, url);
    });
  }

  const invalid: Array<[string, unknown, RegExp]> = [
    [
      'a token in an https URL',
      { v: 1, remotes: [remote({ url: 'https://x:tok@github.com/a.git' })] },
      /remotes\.0\.url/,
    ],
    [
      'a user in an https URL',
      { v: 1, remotes: [remote({ url: 'https://tok@github.com/a.git' })] },
      /remotes\.0\.url/,
    ],
    [
      'a git:// URL',
      { v: 1, remotes: [remote({ url: 'git://github.com/a.git' })] },
      /remotes\.0\.url/,
    ],
    ['a file path', { v: 1, remotes: [remote({ url: '/srv/repo.git' })] }, /remotes\.0\.url/],
    ['an upper-case name', { v: 1, remotes: [remote({ name: 'Origin' })] }, /remotes\.0\.name/],
    ['a name with a slash', { v: 1, remotes: [remote({ name: 'a/b' })] }, /remotes\.0\.name/],
    [
      'a duplicate name',
      { v: 1, remotes: [remote(), remote()] },
      /remotes\.1\.name: remote name "origin" is used twice/,
    ],
    ['an unknown key', { v: 1, remotes: [remote({ identity: 'x' })] }, /identity/],
    ['a typo in push', { v: 1, remotes: [remote({ push: { forc: true } })] }, /forc/],
    [
      'an absolute ref pattern',
      { v: 1, remotes: [remote({ push: { branches: ['refs/heads/x'] } })] },
      /branches/,
    ],
    ['an empty branch list', { v: 1, remotes: [remote({ push: { branches: [] } })] }, /branches/],
    [
      'a credential that is not a file name',
      { v: 1, remotes: [remote({ credential: '../key' })] },
      /credential/,
    ],
    [
      'a bad extra_hosts address',
      { v: 1, remotes: [remote({ extra_hosts: { 'git.test': 'nope' } })] },
      /extra_hosts/,
    ],
    ['version 2', { v: 2, remotes: [] }, /\bv\b/],
  ];
  for (const [name, value, message] of invalid) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parse(value),
        (error: unknown) =>
          error instanceof BottleError &&
          error.code === 'CONFIG_INVALID' &&
          message.test(error.message),
      );
    });
  }

  it('rejects text that is not JSON, saying which file', () => {
    assert.throws(() => parseGitPolicy('{', 'p.json'), /p\.json: not valid JSON/);
  });

  it('is the exported schema the launcher uses', () => {
    assert.equal(GitPolicySchema.safeParse({ v: 1, remotes: [remote()] }).success, true);
  });
});

describe('gateUrlFor', () => {
  it('points at the git-gate service', () => {
    assert.equal(gateUrlFor('origin'), 'git://git-gate/origin.git');
  });
  it('refuses a name that is not a remote name', () => {
    assert.throws(() => gateUrlFor('../x'), BottleError);
  });
});
