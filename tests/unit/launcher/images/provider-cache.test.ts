import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BottleError } from '../../../../lib/errors.js';
import {
  cachedProviders,
  providerPackageDir,
  type NpmRunner,
} from '../../../../launcher/images/provider.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// Packing and the cache, with npm and the engine as test doubles: no registry, no Docker.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

interface FakeNpm {
  run: NpmRunner;
  calls: string[][];
}

/** npm as a test double: `view` answers `current` (or fails offline), `pack` writes a tarball. */
function fakeNpm(options: { current?: string; packFails?: boolean } = {}): FakeNpm {
  const calls: string[][] = [];
  const run: NpmRunner = async (args) => {
    calls.push(args);
    if (args[0] === 'view') {
      return options.current
        ? { exitCode: 0, stdout: `${options.current}\n`, stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'npm error code ENOTFOUND\nmore' };
    }
    if (options.packFails) return { exitCode: 1, stdout: '', stderr: 'npm error 404 Not Found' };
    const dest = args[args.indexOf('--pack-destination') + 1]!;
    await writeFile(join(dest, 'package.tgz'), `packed ${args[1]}`);
    return { exitCode: 0, stdout: 'package.tgz', stderr: '' };
  };
  return { run, calls };
}

const engine = (arch: string) => ({ platform: () => Promise.resolve({ os: 'linux', arch }) });

async function home(): Promise<string> {
  const tree = await tempTree();
  trees.push(tree);
  return tree.root;
}

describe('providerPackageDir', () => {
  it('packs a pinned version for the engine architecture once, then reuses it', async () => {
    const root = await home();
    const npm = fakeNpm({ current: '9.9.9' });
    const wanted = { name: 'claude', version: '2.1.333' } as const;
    const deps = { docker: engine('aarch64'), npm: npm.run };
    const dir = await providerPackageDir(wanted, root, {}, deps);
    assert.equal(dir, join(root, 'cache/provider-claude/2.1.333-arm64'));
    assert.deepEqual(npm.calls, [
      [
        'pack',
        '@anthropic-ai/claude-code-linux-arm64@2.1.333',
        '--pack-destination',
        npm.calls[0]![3]!,
        '--silent',
      ],
    ]);
    assert.equal(
      await readFile(join(dir, 'package.tgz'), 'utf8'),
      'packed @anthropic-ai/claude-code-linux-arm64@2.1.333',
    );
    assert.equal(await providerPackageDir(wanted, root, {}, deps), dir);
    assert.equal(npm.calls.length, 1, 'the cached tarball is reused: no second pack');
    assert.deepEqual(await readdir(join(root, 'cache/provider-claude')), ['2.1.333-arm64']);
  });

  it('asks the registry for the current version when nothing is pinned', async () => {
    const root = await home();
    const npm = fakeNpm({ current: '0.171.0' });
    const dir = await providerPackageDir(
      'codex',
      root,
      {},
      { docker: engine('x86_64'), npm: npm.run },
    );
    assert.equal(dir, join(root, 'cache/provider-codex/0.171.0-x64'));
    assert.deepEqual(npm.calls[0], ['view', '@openai/codex', 'version']);
    assert.equal(npm.calls[1]?.[1], '@openai/codex@0.171.0-linux-x64');
  });

  it('offline, falls back to the newest cached tarball for this architecture and says so', async () => {
    const root = await home();
    for (const name of ['2.0.0-x64', '2.1.0-x64', '3.0.0-arm64']) {
      await mkdir(join(root, 'cache/provider-claude', name), { recursive: true });
      await writeFile(join(root, 'cache/provider-claude', name, 'p.tgz'), 'x');
    }
    const lines: string[] = [];
    const npm = fakeNpm();
    const dir = await providerPackageDir(
      'claude',
      root,
      {},
      {
        docker: engine('x86_64'),
        npm: npm.run,
        progress: (line) => lines.push(line),
      },
    );
    assert.equal(dir, join(root, 'cache/provider-claude/2.1.0-x64'));
    assert.equal(npm.calls.length, 1, 'only the failed view; nothing packed');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warning: .*ENOTFOUND.*cached claude CLI 2\.1\.0 for linux-x64/);
  });

  it('offline with nothing cached, fails naming what to do', async () => {
    const root = await home();
    await assert.rejects(
      providerPackageDir('codex', root, {}, { docker: engine('x86_64'), npm: fakeNpm().run }),
      (e: unknown) =>
        e instanceof BottleError &&
        e.code === 'IMAGE_BUILD_FAILED' &&
        /no codex CLI for linux-x64 is cached/.test(e.message) &&
        /CLAUDE_BOTTLE_PROVIDER_PACKAGE/.test(e.hint ?? ''),
    );
  });

  it('leaves nothing behind when a pack fails', async () => {
    const root = await home();
    await assert.rejects(
      providerPackageDir(
        { name: 'claude', version: '1.2.3' },
        root,
        {},
        {
          docker: engine('x86_64'),
          npm: fakeNpm({ packFails: true }).run,
        },
      ),
      (e: unknown) => e instanceof BottleError && /404/.test(e.hint ?? ''),
    );
    assert.deepEqual(await readdir(join(root, 'cache/provider-claude')), []);
  });

  it('uses CLAUDE_BOTTLE_PROVIDER_PACKAGE without the registry, cached by content', async () => {
    const root = await home();
    const tgz = join(root, 'my-cli.tgz');
    await writeFile(tgz, 'first');
    const npm = fakeNpm({ current: '1.0.0' });
    const env = { CLAUDE_BOTTLE_PROVIDER_PACKAGE: tgz };
    const first = await providerPackageDir('claude', root, env, { npm: npm.run });
    assert.match(first, /cache\/provider-claude\/local-[0-9a-f]{16}$/);
    assert.equal(await readFile(join(first, 'my-cli.tgz'), 'utf8'), 'first');
    await writeFile(tgz, 'second');
    const second = await providerPackageDir('claude', root, env, { npm: npm.run });
    assert.notEqual(second, first, 'a changed tarball is a new cache entry');
    assert.equal(npm.calls.length, 0);
    await assert.rejects(
      providerPackageDir('claude', root, {
        CLAUDE_BOTTLE_PROVIDER_PACKAGE: join(root, 'nope.tgz'),
      }),
      (e: unknown) => e instanceof BottleError && e.code === 'CONFIG_INVALID',
    );
  });

  it('gives provider none an empty folder', async () => {
    const root = await home();
    const dir = await providerPackageDir('none', root, {}, { npm: fakeNpm().run });
    assert.deepEqual(await readdir(dir), []);
  });

  it('lists the cache from folder names alone', async () => {
    const root = await home();
    const npm = fakeNpm({ current: '0.171.0' });
    await providerPackageDir(
      { name: 'claude', version: '2.1.333' },
      root,
      {},
      { docker: engine('x86_64'), npm: npm.run },
    );
    await providerPackageDir('codex', root, {}, { docker: engine('aarch64'), npm: npm.run });
    await mkdir(join(root, 'cache/provider-codex/0.1.0-x64.tmp-00ff'), { recursive: true });
    const listed = await cachedProviders(root);
    assert.deepEqual(
      listed.map(({ name, version, arch }) => ({ name, version, arch })),
      [
        { name: 'claude', version: '2.1.333', arch: 'x64' },
        { name: 'codex', version: '0.171.0', arch: 'arm64' },
      ],
    );
    assert.ok(listed.every((entry) => entry.bytes > 0 && entry.tarball.endsWith('.tgz')));
  });
});
