import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitRemoteSchema } from '../../../../images/git-gate/policy.js';
import { RemoteSchema } from '../../../../launcher/manifest/index.js';

// One remote schema: the manifest's is derived from the gate's, so a remote `manifest check`
// accepts is one git-policy.json accepts at start, and the other way round.
const URLS = [
  'git@github.com:acme/widgets.git',
  'ssh://git@git.example.test:2222/srv/repo.git',
  'https://github.com/acme/widgets.git',
  'https://bot:hunter2@git.example.test/a.git',
  'https://ghp_token@github.com/a/b.git',
  'ssh://git:pw@git.example.test/a.git',
  'git://git.example.test/a.git',
  'http://git.example.test/a.git',
  'file:///srv/repo.git',
  'git@github.com://acme/w.git',
  'not a url',
];
const EXTRA_HOSTS: Record<string, string>[] = [
  {},
  { 'git.internal': '10.0.0.5' },
  { 'git.internal': 'fd00::5' },
  { foo: 'not-an-ip' },
  { 'bad host!': '10.0.0.5' },
  { 'git.internal': '' },
];

describe('the manifest remote and the gate remote agree', () => {
  for (const url of URLS) {
    for (const extra_hosts of EXTRA_HOSTS) {
      it(`${url} with extra_hosts ${JSON.stringify(extra_hosts)}`, () => {
        const manifest = RemoteSchema.safeParse({
          name: 'origin',
          url,
          identity: 'key',
          extra_hosts,
        });
        const gate = GitRemoteSchema.safeParse({
          name: 'origin',
          url,
          credential: 'origin',
          extra_hosts,
        });
        assert.equal(manifest.success, gate.success);
      });
    }
  }

  it('keeps the manifest-only keys strict', () => {
    const base = { name: 'origin', url: 'git@github.com:a/b.git' };
    assert.equal(RemoteSchema.safeParse({ ...base, credential: 'origin' }).success, false);
    assert.equal(
      RemoteSchema.safeParse({ ...base, known_hosts: 'ssh-ed25519 AAAA' }).success,
      false,
    );
    assert.equal(RemoteSchema.safeParse({ ...base, known_hosts: 'file:~/.ssh/kh' }).success, true);
    assert.equal(RemoteSchema.safeParse({ ...base, idenity: 'key' }).success, false);
  });
});
