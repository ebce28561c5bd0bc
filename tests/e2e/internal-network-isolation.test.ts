import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, copyFile, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertDockerAvailable, dockerSuite } from '../helpers/docker.js';

// The property every bottle rests on: a container on an `internal` network reaches its
// siblings by name and nothing else. Uses only debian:trixie-slim (bash's /dev/tcp is the
// client, perl-base the server), so it runs before any project image exists.
const prefix = `cbtest-isolation-${randomBytes(3).toString('hex')}`;
const internalNet = `${prefix}-internal`;
const otherNet = `${prefix}-other`;
const server = `${prefix}-server`;
const outsider = `${prefix}-outsider`;
const IMAGE = 'debian:trixie-slim';
const GUARD_SCRIPT = fileURLToPath(new URL('../../images/agent/netguard.sh', import.meta.url));
const SERVE =
  'perl -MIO::Socket::INET -e \'$s=IO::Socket::INET->new(LocalPort=>7000,Listen=>5,ReuseAddr=>1) or die $!; while($c=$s->accept){print $c "hello from sibling\\n"; close $c}\'';

async function docker(...args: string[]) {
  return execa('docker', args, { reject: false, timeout: 60_000 });
}

/** Opens a TCP connection from a fresh container on the internal network; returns its output. */
async function connectFromInternal(host: string, port: number) {
  return docker(
    'run',
    '--rm',
    '--network',
    internalNet,
    IMAGE,
    'timeout',
    '5',
    'bash',
    '-c',
    `exec 3<>/dev/tcp/${host}/${port} && head -c 100 <&3`,
  );
}

describe('an --internal network', dockerSuite, () => {
  let outsiderIp = '';

  before(async () => {
    assertDockerAvailable();
    await execa('docker', ['network', 'create', '--internal', internalNet]);
    await execa('docker', ['network', 'create', otherNet]);
    await execa('docker', [
      'run',
      '-d',
      '--name',
      server,
      '--network',
      internalNet,
      '--network-alias',
      'sibling',
      IMAGE,
      'bash',
      '-c',
      SERVE,
    ]);
    // A container of ours on an ordinary bridge network stands in for "outside".
    await execa('docker', [
      'run',
      '-d',
      '--name',
      outsider,
      '--network',
      otherNet,
      IMAGE,
      'bash',
      '-c',
      SERVE,
    ]);
    const inspect = await execa('docker', [
      'inspect',
      '-f',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      outsider,
    ]);
    outsiderIp = inspect.stdout.trim();
    assert.match(outsiderIp, /^\d+\.\d+\.\d+\.\d+$/, 'the outsider container has an address');
  });

  after(async () => {
    await docker('rm', '-f', server, outsider);
    await docker('network', 'rm', internalNet, otherNet);
  });

  it('reaches a sibling container by name', async () => {
    const result = await connectFromInternal('sibling', 7000);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /hello from sibling/);
  });

  it('cannot open a TCP connection to a container on another network', async () => {
    // Reachable from an ordinary network: the failure below is the internal network's doing.
    const control = await docker(
      'run',
      '--rm',
      '--network',
      otherNet,
      IMAGE,
      'timeout',
      '5',
      'bash',
      '-c',
      `exec 3<>/dev/tcp/${outsiderIp}/7000 && head -c 100 <&3`,
    );
    assert.match(
      control.stdout,
      /hello from sibling/,
      `control connection failed: ${control.stderr}`,
    );
    const result = await connectFromInternal(outsiderIp, 7000);
    assert.notEqual(result.exitCode, 0);
    assert.doesNotMatch(result.stdout, /hello/);
  });

  it("cannot reach the host's services once the agent's network guard ran", async () => {
    // An internal network stops forwarding, but the host itself still answers on the bridge
    // address (and, before Docker 25, on its other addresses via the default route). The agent
    // image runs images/agent/netguard.sh as root before dropping every capability.
    const guardImage = await buildGuardImage();
    const hostServer = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => hostServer.listen(0, '0.0.0.0', resolve));
    const port = (hostServer.address() as AddressInfo).port;
    try {
      const inspect = await execa('docker', [
        'network',
        'inspect',
        '-f',
        '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
        internalNet,
      ]);
      const gateway = inspect.stdout.trim();
      const probe = `timeout 5 bash -c 'exec 3<>/dev/tcp/${gateway}/${port} && head -c 100 <&3'; echo "exit=$?"`;
      const result = await docker(
        'run',
        '--rm',
        '--network',
        internalNet,
        '--cap-drop',
        'ALL',
        '--cap-add',
        'NET_ADMIN',
        '--cap-add',
        'SETUID',
        '--cap-add',
        'SETGID',
        '--cap-add',
        'SETPCAP',
        '--security-opt',
        'no-new-privileges',
        guardImage,
        'bash',
        '-c',
        `netguard && exec setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps=-all --bounding-set=-all bash -c ${shellQuote(`${probe}; ip route del prohibit ${gateway}/32 2>&1; echo routes-exit=$?`)}`,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /hello from the host/);
      assert.match(result.stdout, /exit=[1-9]/, 'the connection to the host failed');
      assert.match(
        result.stdout,
        /routes-exit=[1-9]/,
        'the unprivileged agent cannot remove the guard',
      );
    } finally {
      hostServer.close();
    }
  });

  it('is marked internal by the engine', async () => {
    const inspect = await execa('docker', [
      'network',
      'inspect',
      '-f',
      '{{.Internal}}',
      internalNet,
    ]);
    assert.equal(inspect.stdout.trim(), 'true');
  });
});

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A minimal image holding the shipped guard script, tagged by its content so it is built once. */
async function buildGuardImage(): Promise<string> {
  const script = await readFile(GUARD_SCRIPT);
  const tag = `cbtest-netguard:${createHash('sha256').update(script).digest('hex').slice(0, 12)}`;
  if ((await docker('image', 'inspect', tag)).exitCode === 0) return tag;
  const context = await mkdtemp(join(tmpdir(), 'cb-netguard-'));
  try {
    await copyFile(GUARD_SCRIPT, join(context, 'netguard.sh'));
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM debian:trixie-slim\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends iproute2 >/dev/null && rm -rf /var/lib/apt/lists/*\nCOPY netguard.sh /usr/local/sbin/netguard\nRUN chmod 755 /usr/local/sbin/netguard\n',
    );
    await execa('docker', ['build', '-q', '-t', tag, context], { timeout: 300_000 });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}
