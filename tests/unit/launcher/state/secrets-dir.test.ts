import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { renderCompose, type ComposeInput } from '../../../../launcher/plan/compose-file.js';
import { stateLayout } from '../../../../launcher/state/layout.js';
import {
  bottleSecretsPaths,
  removeBottleSecrets,
  secretsRootOf,
  writeBottleSecrets,
} from '../../../../launcher/state/secrets-dir.js';
import { secretsFromDir } from '../../../../images/egress-proxy/dlp/own-secrets.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

async function tree(): Promise<TempTree> {
  const made = await tempTree();
  trees.push(made);
  return made;
}

const SECRETS = {
  proxy: new Map([
    ['github', 'ghp_value-of-the-github-secret-000'],
    ['codex-login', 'eyJ.login-access-token.value'],
  ]),
  gate: new Map([['origin', '-----BEGIN OPENSSH PRIVATE KEY-----\nkey-value\n']]),
};

describe('the secrets folder', () => {
  it('is chosen without a value: the override, the runtime dir, /run for root, else the home', () => {
    assert.equal(secretsRootOf({ CLAUDE_BOTTLE_RUNTIME_DIR: '/r' }, '/h', 1000), '/r');
    assert.equal(
      secretsRootOf({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/h', 1000),
      '/run/user/1000/claude-bottle',
    );
    assert.equal(secretsRootOf({}, '/h', 0), '/run/claude-bottle');
    assert.equal(secretsRootOf({}, '/h', 1000), '/h/run');
    const a = bottleSecretsPaths('/r', '/home-a/state/x-1', 'x-1');
    const b = bottleSecretsPaths('/r', '/home-b/state/x-1', 'x-1');
    assert.notEqual(a.dir, b.dir, 'two homes with the same slug do not share a folder');
  });

  it('writes one 0400 file per secret in a 0700 folder per sidecar, and the proxy reads them back', async () => {
    const t = await tree();
    const root = t.path('runtime');
    const paths = bottleSecretsPaths(root, t.path('state/x'), 'x');
    await writeBottleSecrets(root, paths, SECRETS);
    assert.equal((await stat(root)).mode & 0o777, 0o700);
    assert.deepEqual((await readdir(paths.egressProxy)).sort(), ['codex-login', 'github']);
    assert.deepEqual(await readdir(paths.gitGate), ['origin']);
    for (const folder of [paths.dir, paths.egressProxy, paths.gitGate])
      assert.equal((await stat(folder)).mode & 0o777, 0o700, folder);
    for (const file of ['egress-proxy/github', 'egress-proxy/codex-login', 'git-gate/origin'])
      assert.equal((await stat(`${paths.dir}/${file}`)).mode & 0o777, 0o400, file);
    assert.equal(await readFile(`${paths.gitGate}/origin`, 'utf8'), SECRETS.gate.get('origin'));
    const store = await secretsFromDir(paths.egressProxy);
    assert.deepEqual([...store.values].sort(), [
      ['codex_login', 'eyJ.login-access-token.value'],
      ['github', 'ghp_value-of-the-github-secret-000'],
    ]);
    assert.equal(store.where('github'), `${paths.egressProxy}/github`);
  });

  it('is rewritten whole (a secret dropped from the manifest goes) and removed at stop', async () => {
    const t = await tree();
    const root = t.path('runtime');
    const paths = bottleSecretsPaths(root, t.path('state/x'), 'x');
    await writeBottleSecrets(root, paths, SECRETS);
    await writeBottleSecrets(root, paths, {
      proxy: new Map([['github', 'new-value-123']]),
      gate: new Map(),
    });
    assert.deepEqual(await readdir(paths.egressProxy), ['github']);
    assert.deepEqual(await readdir(paths.gitGate), []);
    await removeBottleSecrets(paths);
    await assert.rejects(stat(paths.dir), { code: 'ENOENT' });
    await removeBottleSecrets(paths);
  });

  it(
    'hands the files to the sidecar uid when the launcher runs as root',
    { skip: process.getuid?.() !== 0 },
    async () => {
      const t = await tree();
      const root = t.path('runtime');
      const paths = bottleSecretsPaths(root, t.path('state/x'), 'x');
      await writeBottleSecrets(root, paths, SECRETS, { uid: 1000, gid: 1000 });
      for (const path of [
        paths.egressProxy,
        `${paths.egressProxy}/github`,
        `${paths.gitGate}/origin`,
      ]) {
        const { uid, gid } = await stat(path);
        assert.deepEqual([uid, gid], [1000, 1000], path);
      }
      assert.equal((await stat(paths.dir)).uid, 0, "the bottle folder stays the launcher's");
    },
  );

  it('refuses a root other users can open, or a link, and writes nothing', async () => {
    const t = await tree();
    const open = t.path('open');
    await mkdir(open, { mode: 0o755 });
    await chmod(open, 0o755);
    const paths = bottleSecretsPaths(open, t.path('state/x'), 'x');
    await assert.rejects(
      writeBottleSecrets(open, paths, SECRETS),
      /open to other users \(mode 755\)/,
    );
    await assert.rejects(stat(paths.dir), { code: 'ENOENT' });
    const link = t.path('link');
    await mkdir(t.path('target'), { mode: 0o700 });
    await symlink(t.path('target'), link);
    await assert.rejects(
      writeBottleSecrets(link, bottleSecretsPaths(link, t.path('state/x'), 'x'), SECRETS),
      /is not a folder/,
    );
  });
});

describe('the compose rendering of secrets', () => {
  const layout = stateLayout('/home/op/.claude-bottle/state/a-1');
  const input: ComposeInput = {
    project: 'cb-a-1',
    slug: 'a-1',
    layout,
    images: { agent: 'a', egressProxy: 'p', supervise: 's', gitGate: 'g' },
    user: { uid: 1000, gid: 1000 },
    provider: 'none',
    secretsDirs: { egressProxy: '/run/cb/a-1-x/egress-proxy', gitGate: '/run/cb/a-1-x/git-gate' },
    gateExtraHosts: {},
    upstreamCa: true,
    tokenAllowTimeoutSeconds: 300,
    limits: { memory: '2g', pids: 512 },
    agent: {
      command: ['bash'],
      environment: { HTTPS_PROXY: 'http://egress-proxy:3128' },
      seedBundle: false,
    },
  };
  const compose = renderCompose(input) as {
    services: Record<string, { environment?: unknown; volumes: unknown[]; command?: string[] }>;
  };

  it('sets no secret-named variable in any service', () => {
    assert.doesNotMatch(stringify(compose), /EGRESS_SECRET|GIT_GATE_CREDENTIAL/);
    assert.deepEqual(compose.services['egress-proxy']?.environment, [
      'NODE_EXTRA_CA_CERTS=/run/claude-bottle/upstream-ca.pem',
    ]);
    assert.equal(compose.services['git-gate']?.environment, undefined);
  });

  it('mounts each sidecar its own folder read-only, and no other service any', () => {
    const mounts = Object.fromEntries(
      Object.entries(compose.services).map(([name, service]) => [
        name,
        service.volumes.filter((v) => JSON.stringify(v).includes('/run/cb/')),
      ]),
    );
    const mount = (source: string) => ({
      type: 'bind',
      source,
      target: '/run/claude-bottle/secrets',
      read_only: true,
      bind: { create_host_path: false },
    });
    assert.deepEqual(mounts, {
      'egress-proxy': [mount('/run/cb/a-1-x/egress-proxy')],
      supervise: [],
      'git-gate': [mount('/run/cb/a-1-x/git-gate')],
      agent: [],
    });
    assert.deepEqual(compose.services['egress-proxy']?.command?.slice(-2), [
      '--secrets-dir',
      '/run/claude-bottle/secrets',
    ]);
    assert.deepEqual(compose.services['git-gate']?.command, [
      'serve',
      '--secrets-dir',
      '/run/claude-bottle/secrets',
    ]);
  });
});
