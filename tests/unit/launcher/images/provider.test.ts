import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BottleError } from '../../../../lib/errors.js';
import {
  compareVersions,
  newestCached,
  npmArch,
  packageSpec,
  parseCacheDirName,
  providerCacheDir,
  versionQuery,
} from '../../../../launcher/images/provider-package.js';

// The pure half of provider packing: which package, which version, which cache folder.

describe('provider package names', () => {
  const arches: [string, string, string | undefined][] = [
    ['linux', 'x86_64', 'x64'],
    ['linux', 'amd64', 'x64'],
    ['linux', 'aarch64', 'arm64'], // Docker Desktop on Apple silicon
    ['linux', 'arm64', 'arm64'],
    ['Linux', 'X86_64', 'x64'],
    ['linux', 's390x', undefined],
    ['linux', 'armv7l', undefined],
    ['windows', 'x86_64', undefined],
    ['', '', undefined],
  ];
  for (const [os, arch, expected] of arches) {
    it(`maps the engine's ${os}/${arch} to ${expected ?? 'a refusal'}`, () => {
      if (expected) assert.equal(npmArch({ os, arch }), expected);
      else
        assert.throws(
          () => npmArch({ os, arch }),
          (e: unknown) => e instanceof BottleError && e.code === 'IMAGE_BUILD_FAILED',
        );
    });
  }

  it('names one exact version for one architecture', () => {
    assert.equal(
      packageSpec('claude', '2.1.333', 'x64'),
      '@anthropic-ai/claude-code-linux-x64@2.1.333',
    );
    assert.equal(
      packageSpec('claude', '2.1.333', 'arm64'),
      '@anthropic-ai/claude-code-linux-arm64@2.1.333',
    );
    assert.equal(packageSpec('codex', '0.171.0', 'x64'), '@openai/codex@0.171.0-linux-x64');
    assert.equal(packageSpec('codex', '0.171.0', 'arm64'), '@openai/codex@0.171.0-linux-arm64');
    assert.equal(versionQuery('claude', 'arm64'), '@anthropic-ai/claude-code-linux-arm64');
    assert.equal(versionQuery('codex', 'arm64'), '@openai/codex');
  });

  it('refuses a version that is not exact before it becomes a spec or a path', () => {
    for (const bad of ['latest', '^2.1.0', '2.1', 'v2.1.0', '../../etc', '2.1.0 || 3']) {
      assert.throws(() => packageSpec('claude', bad, 'x64'), /not an exact npm version/);
      assert.throws(() => providerCacheDir('/h', 'claude', bad, 'x64'), /not an exact/);
    }
  });

  it('caches by name, version and architecture', () => {
    assert.equal(
      providerCacheDir('/h', 'codex', '0.171.0', 'arm64'),
      '/h/cache/provider-codex/0.171.0-arm64',
    );
    assert.deepEqual(parseCacheDirName('0.171.0-arm64'), { version: '0.171.0', arch: 'arm64' });
    assert.deepEqual(parseCacheDirName('1.0.0-alpha.1-x64'), {
      version: '1.0.0-alpha.1',
      arch: 'x64',
    });
    for (const other of ['local-0123abcd', '2.1.0-x64.tmp-1a2b3c4d', 'x64', 'latest-x64', 'a.tgz'])
      assert.equal(parseCacheDirName(other), undefined, other);
  });

  it('orders versions numerically, a pre-release before its release', () => {
    const sorted = ['2.10.0', '2.9.1', '2.10.0-beta.2', '2.10.0-beta.10', '10.0.0', '2.9.10'].sort(
      compareVersions,
    );
    assert.deepEqual(sorted, [
      '2.9.1',
      '2.9.10',
      '2.10.0-beta.2',
      '2.10.0-beta.10',
      '2.10.0',
      '10.0.0',
    ]);
    assert.equal(newestCached(['2.9.0-x64', '2.10.0-arm64', '2.1.0-x64', 'junk'], 'x64'), '2.9.0');
    assert.equal(newestCached(['2.9.0-x64'], 'arm64'), undefined);
  });
});
