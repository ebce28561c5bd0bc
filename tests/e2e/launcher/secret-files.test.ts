import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { startSupervisedBottle, type SupervisedBottle } from '../supervisor/fixture.js';

// The bottle's secret reaches the proxy as a file in a host folder mounted into the proxy alone:
// nothing the engine lists (inspect, compose config, compose ps) prints it, the agent cannot
// read it, and the proxy still injects it after start, a SIGHUP reload and a stop/resume.
let bottle: SupervisedBottle;
let project = '';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function metadata(): Promise<{ secrets_dir: string; status: string }> {
  return JSON.parse(await readFile(`${bottle.stateDir}/metadata.json`, 'utf8')) as {
    secrets_dir: string;
    status: string;
  };
}

async function containers(): Promise<string[]> {
  const ps = await execa('docker', [
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ]);
  return ps.stdout.split('\n').filter(Boolean);
}

async function proxyId(): Promise<string> {
  const ps = await execa('docker', [
    'compose',
    '-f',
    bottle.composeFile,
    'ps',
    '-aq',
    'egress-proxy',
  ]);
  return ps.stdout.trim();
}

/** Everything the engine and the launcher's files say about the bottle, as one text. */
async function everythingListed(): Promise<string> {
  const ids = await containers();
  assert.ok(ids.length >= 3, `the bottle's containers: ${ids.join(' ')}`);
  const compose = (...args: string[]) =>
    execa('docker', ['compose', '-f', bottle.composeFile, ...args], { env: bottle.env });
  const parts = [
    (await execa('docker', ['inspect', ...ids])).stdout,
    (await compose('config')).stdout,
    (await compose('ps', '--format', 'json')).stdout,
    await readFile(bottle.composeFile, 'utf8'),
    await readFile(`${bottle.stateDir}/metadata.json`, 'utf8'),
    await readFile(`${bottle.stateDir}/compose.log`, 'utf8'),
    (await compose('logs', '--no-color')).stdout,
  ];
  return parts.join('\n');
}

async function assertInjected(): Promise<void> {
  const hello = await bottle.asAgent('curl -sf https://api.example.test/hello');
  assert.equal(hello.exitCode, 0, hello.stderr);
  assert.equal(
    (JSON.parse(hello.stdout) as { authorization_sha256: string }).authorization_sha256,
    sha256(`Bearer ${bottle.token}`),
    'the upstream saw the credential',
  );
}

describe('secrets as files on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle();
    project = `cb-${bottle.slug}`;
  });
  after(async () => {
    await bottle?.destroy();
  });

  it('prints the secret in no engine listing, compose output or launcher file', async () => {
    assert.ok(bottle.token.length > 12);
    const listed = await everythingListed();
    assert.ok(!listed.includes(bottle.token), 'a listing holds the secret value');
    assert.doesNotMatch(listed, /EGRESS_SECRET_|GIT_GATE_CREDENTIAL_/);
  });

  it('gives the proxy a 0400 file of its own uid, mounted read-only, and no variable', async () => {
    const proxy = await proxyId();
    const held = await execa('docker', [
      'exec',
      proxy,
      'sh',
      '-c',
      'id -u; stat -c "%a %u" /run/claude-bottle/secrets/upstream; tr "\\0" "\\n" < /proc/1/environ; touch /run/claude-bottle/secrets/x 2>&1 || echo read-only',
    ]);
    const [uid, mode, ...rest] = held.stdout.split('\n');
    assert.equal(mode, `400 ${uid}`);
    assert.ok(!rest.join('\n').includes(bottle.token), 'the proxy environment holds the value');
    assert.match(held.stdout, /read-only/);
    const { secrets_dir } = await metadata();
    assert.ok(!secrets_dir.startsWith(bottle.stateDir), 'the secrets are not under state/');
    assert.equal(await readFile(`${secrets_dir}/egress-proxy/upstream`, 'utf8'), bottle.token);
  });

  it('leaves the agent no way to read it', async () => {
    const asAgent = await bottle.asAgent(
      'ls /run/claude-bottle/secrets 2>&1; cat /run/claude-bottle/secrets/upstream 2>&1; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"; env; echo done',
    );
    assert.match(asAgent.stdout, /No such file or directory/);
    assert.ok(!asAgent.stdout.includes(bottle.token));
    // Not even the operator's root door into the agent container finds it anywhere.
    const asRoot = await execa(
      'docker',
      [
        'compose',
        '-f',
        bottle.composeFile,
        'exec',
        '-T',
        'agent',
        'sh',
        '-c',
        `grep -rlF '${bottle.token}' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; echo scanned`,
      ],
      { reject: false },
    );
    assert.equal(asRoot.stdout.trim(), 'scanned', asRoot.stdout);
  });

  it('injects it after start and after a SIGHUP reload', async () => {
    await assertInjected();
    const proxy = await proxyId();
    const since = new Date().toISOString();
    await execa('docker', ['kill', '--signal', 'HUP', proxy]);
    for (let i = 0; ; i++) {
      const logs = await execa('docker', ['logs', '--since', since, proxy]);
      if (logs.stderr.includes('routes_loaded') || logs.stdout.includes('routes_loaded')) break;
      assert.ok(i < 100, 'the proxy did not reload');
      await new Promise((r) => setTimeout(r, 100));
    }
    await assertInjected();
  });

  it('fails closed when the files are gone: the proxy does not start without them', async () => {
    const { secrets_dir } = await metadata();
    await rm(secrets_dir, { recursive: true, force: true });
    const restarted = await execa('docker', ['restart', '-t', '2', await proxyId()], {
      reject: false,
    });
    assert.notEqual(restarted.exitCode, 0, 'the proxy restarted without its secrets folder');
    assert.match(restarted.stderr, /no such file or directory/);
  });

  it('stop removes the files; resume writes them again from the manifest and injection works', async () => {
    const stopped = await bottle.cli('stop', bottle.slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    const { secrets_dir } = await metadata();
    await assert.rejects(stat(secrets_dir), { code: 'ENOENT' });
    const resumed = await bottle.cli('resume', bottle.slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(!`${resumed.stdout}${resumed.stderr}`.includes(bottle.token));
    assert.equal((await metadata()).status, 'running');
    assert.ok((await stat(`${secrets_dir}/egress-proxy/upstream`)).isFile());
    await assertInjected();
    assert.ok(!(await everythingListed()).includes(bottle.token));
  });
});
