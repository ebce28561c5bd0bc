import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GitPolicySchema, type GitRemote } from '../../../../images/git-gate/policy.js';
import {
  openUpstreamAccess,
  parseUpstreamUrl,
} from '../../../../images/git-gate/upstream-access.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A gate secrets folder holding `files`, and the environment that points the gate at it. */
async function secretsEnv(files: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-gate-secrets-'));
  dirs.push(dir);
  for (const [name, value] of Object.entries(files))
    await writeFile(join(dir, name), value, { mode: 0o400 });
  return { GIT_GATE_SECRETS_DIR: dir };
}

function remote(fields: Record<string, unknown>): GitRemote {
  const policy = GitPolicySchema.parse({ v: 1, remotes: [{ name: 'origin', ...fields }] });
  return policy.remotes[0]!;
}

describe('parseUpstreamUrl', () => {
  const table: Array<[string, ReturnType<typeof parseUpstreamUrl>]> = [
    ['git@github.com:acme/app.git', { kind: 'ssh', host: 'github.com', port: 22 }],
    ['ssh://git@git.test:2222/srv/r.git', { kind: 'ssh', host: 'git.test', port: 2222 }],
    ['https://git.test/r.git', { kind: 'https', host: 'git.test', port: 443 }],
    ['https://git.test:8443/r.git', { kind: 'https', host: 'git.test', port: 8443 }],
  ];
  for (const [url, expected] of table)
    it(url, () => assert.deepEqual(parseUpstreamUrl(url), expected));
});

describe('openUpstreamAccess', () => {
  it('puts the ssh key in a private file, pins the host under its declared name, and removes the file', async () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----';
    const access = await openUpstreamAccess(
      remote({
        url: 'ssh://git@git.test:2222/r.git',
        credential: 'origin',
        extra_hosts: { 'git.test': '10.1.2.3' },
      }),
      { knownHostsFile: '/state/known_hosts', env: await secretsEnv({ origin: key }) },
    );
    const command = access.env.GIT_SSH_COMMAND ?? '';
    assert.ok(!command.includes('not-a-real-key'), 'the key is not on the command line');
    const keyFile = /'-i' '([^']+)'/.exec(command)?.[1] ?? '';
    assert.equal(await readFile(keyFile, 'utf8'), `${key}\n`);
    assert.match(command, /'HostName=10\.1\.2\.3' '-o' 'HostKeyAlias=\[git\.test\]:2222'/);
    assert.match(
      command,
      /'UserKnownHostsFile=\/state\/known_hosts' '-o' 'StrictHostKeyChecking=accept-new'/,
    );
    await access.dispose();
    assert.equal(existsSync(keyFile), false);
  });

  it('checks strictly against declared known_hosts', async () => {
    const access = await openUpstreamAccess(
      remote({ url: 'git@git.test:r.git', known_hosts: 'git.test ssh-ed25519 AAAA' }),
      {
        knownHostsFile: '/state/known_hosts',
        env: {},
      },
    );
    assert.match(access.env.GIT_SSH_COMMAND ?? '', /StrictHostKeyChecking=yes/);
    await access.dispose();
  });

  it('reads an https token from its file in a credential helper, never in arguments or the environment', async () => {
    const env = await secretsEnv({ origin: 'secret-value' });
    const access = await openUpstreamAccess(
      remote({
        url: 'https://git.test/r.git',
        credential: 'origin',
        extra_hosts: { 'git.test': '10.1.2.3' },
      }),
      { knownHostsFile: '/x', env },
    );
    const args = access.configArgs.join(' ');
    assert.ok(!args.includes('secret-value'));
    assert.ok(!JSON.stringify(access.env).includes('secret-value'));
    assert.match(args, /http\.curloptResolve=git\.test:443:10\.1\.2\.3/);
    // What git runs: the helper prints the token it reads from the file.
    const helper = access.configArgs.at(-1)!.replace(/^credential\.helper=!/, '');
    const answer = execFileSync('sh', ['-c', helper], { env: {}, encoding: 'utf8' });
    assert.equal(answer, 'username=x-access-token\npassword=secret-value\n');
  });

  it('fails closed when the credential file is missing or empty', async () => {
    const env = await secretsEnv({ empty: '' });
    for (const credential of ['missing', 'empty']) {
      await assert.rejects(
        openUpstreamAccess(remote({ url: 'git@git.test:r.git', credential }), {
          knownHostsFile: '/x',
          env,
        }),
        new RegExp(`no credential in ${env.GIT_GATE_SECRETS_DIR}/${credential}$`),
      );
    }
  });
});
