import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressKind,
  gitGateBypass,
  prefixMeets,
} from '../../../../supervisor/analysis/route-risks.js';

describe('prefixMeets: does what a prefix allows meet a path pattern', () => {
  const table: [string, string, boolean][] = [
    ['*', '/repos/*/*/contents', true],
    ['/repos/', '/repos/*/*/contents', true],
    ['/repos/acme/app/contents/src/', '/repos/*/*/contents', true],
    ['/repos/acme/app/issues', '/repos/*/*/contents', false],
    ['/user', '/repos/*/*/contents', false],
    ['/REPOS/a/b/Contents', '/repos/*/*/contents', true],
    ['/graphql', '/graphql', true],
    ['/graphqlx', '/graphql', false],
  ];
  for (const [prefix, pattern, expected] of table)
    it(`${prefix} vs ${pattern} → ${expected}`, () =>
      assert.equal(prefixMeets(prefix, pattern), expected));
});

describe('gitGateBypass', () => {
  it('names forge APIs only on their hosts, and smart HTTP on git hosts or git paths', () => {
    assert.equal(gitGateBypass('api.github.com', ['/repos/'], ['PUT'])?.writes, true);
    assert.equal(gitGateBypass('api.example.test', ['/repos/'], ['PUT']), undefined);
    assert.equal(gitGateBypass('digital.example.test', ['*'], ['POST']), undefined);
    assert.match(gitGateBypass('gitlab.corp.test', ['*'], ['GET'])!.what, /GitLab/);
    assert.match(gitGateBypass('*.github.com', ['*'], ['GET'])!.what, /smart HTTP/);
    assert.match(gitGateBypass('x.test', ['/a/git-upload-pack'], ['POST'])!.what, /smart HTTP/);
    assert.equal(gitGateBypass('x.test', ['/a/b'], ['POST']), undefined);
  });
});

describe('addressKind', () => {
  const table: [string, string | undefined][] = [
    ['169.254.169.254', 'link-local'],
    ['127.0.0.1:8080', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.20.1.1', 'private'],
    ['172.32.1.1', 'public IP address'],
    ['192.168.1.1', 'private'],
    ['100.100.1.1', 'shared (CGNAT)'],
    ['[::1]', 'loopback'],
    ['[fe80::1]:80', 'link-local'],
    ['[fd00::1]', 'private'],
    ['[::ffff:169.254.169.254]', 'link-local'],
    ['localhost', 'internal name'],
    ['metadata.google.internal', 'internal name'],
    ['*.svc.local', 'internal name'],
    ['api.github.com', undefined],
  ];
  for (const [host, kind] of table)
    it(`${host} → ${kind}`, () => assert.equal(addressKind(host), kind));
});
