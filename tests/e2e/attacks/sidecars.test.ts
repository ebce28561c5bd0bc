import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { startSupervisedBottle, type SupervisedBottle } from '../supervisor/fixture.js';
import { agentNode, agentTcp } from './helpers.js';

// The agent goes after what its sidecars hold and what the operator decides: the CA key, the
// credential, other containers' processes and files, live-config/, the queue, the Docker
// socket, and a second bottle running beside it. Two bottles start at once for that.

let bottle: SupervisedBottle;
let other: SupervisedBottle;

async function serviceIp(target: SupervisedBottle, service: string): Promise<string> {
  const id = (await execa('docker', ['compose', '-f', target.composeFile, 'ps', '-q', service]))
    .stdout;
  const network = `cb-${target.slug}-internal`;
  const ip = await execa('docker', [
    'inspect',
    '-f',
    `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
    id.trim(),
  ]);
  return ip.stdout.trim();
}

describe(
  'attack: the sidecars, the queue, the engine and the bottle next door',
  dockerSuite,
  () => {
    before(async () => {
      assertDockerAvailable();
      [bottle, other] = await Promise.all([startSupervisedBottle(), startSupervisedBottle()]);
    });
    after(async () => {
      await Promise.all([bottle?.destroy(), other?.destroy()]);
    });

    // Threat row: "stealing a credential". The test knows the upstream credential; the agent
    // greps for it (and for any private key) everywhere it can read, as root could not either:
    // the key and the value live only in the proxy's mounts.
    it('stealing a credential: neither the CA key nor the route credential is anywhere in the agent', async () => {
      const scan = await bottle.asAgent(
        `grep -rlF -e '${bottle.token}' -e 'PRIVATE KEY' /etc /run /home /tmp /workspace /var /opt 2>/dev/null | grep -v '^/tmp/cb-agent-mcp-client.mjs$'
       cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -cF '${bottle.token}'
       ls /run/claude-bottle/ca /run/claude-bottle/secrets 2>&1; echo scanned`,
      );
      assert.match(scan.stdout, /scanned$/);
      assert.equal(scan.stdout.split('\n')[0], '0', 'no file and no environment holds it');
      assert.match(scan.stdout, /\/run\/claude-bottle\/ca': No such file/);
      assert.match(scan.stdout, /\/run\/claude-bottle\/secrets': No such file/);
      const cert = await bottle.asAgent('cat /etc/claude-bottle/ca.crt');
      assert.match(cert.stdout, /BEGIN CERTIFICATE/, 'the agent holds the certificate only');
    });

    // Observed: /proc lists only the agent's own processes (its pid namespace); were the proxy's
    // visible, its command line (--secrets-dir) and environ would be too.
    it("stealing a credential: no other container's process (command line, environment) is visible", async () => {
      const run = await bottle.asAgent(
        `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done`,
      );
      assert.match(run.stdout, /entrypoint\.sh/, 'the agent sees its own processes (the control)');
      assert.doesNotMatch(run.stdout, /egress-proxy|--secrets-dir|--token-file|git-gate/);
    });

    // Observed: the proxy answers a non-proxy request with 400, supervise 401 without the token
    // and 403 for a Host other than `supervise` (DNS rebinding); no status or env endpoint.
    it('stealing a credential: the proxy and supervise serve nothing but their job', async () => {
      const run = await bottle.asAgent(
        `curl -s --noproxy '*' -m 5 -w ' %{http_code}\\n' http://egress-proxy:3128/ http://egress-proxy:3128/env
       curl -s -m 5 -w ' %{http_code}\\n' -X POST http://supervise:8080/mcp
       curl -s -m 5 -w ' %{http_code}\\n' -X POST -H 'Host: localhost' -H "Authorization: Bearer $CLAUDE_BOTTLE_MCP_TOKEN" http://supervise:8080/mcp`,
      );
      const codes = [...run.stdout.matchAll(/ (\d{3})$/gm)].map((m) => m[1]);
      assert.deepEqual(codes, ['400', '400', '401', '403'], run.stdout);
    });

    // Threat row: "approving its own proposal". live-config/ is mounted read-only into the
    // agent; the queue is not mounted at all, so there is nothing to write a decision into.
    it('approving its own proposal: current-config is read-only and the queue is not mounted', async () => {
      const run = await bottle.asAgent(
        `{ echo 'routes: []' > /etc/claude-bottle/current-config/routes.yaml; } 2>&1; echo "write=$?"
       touch /etc/claude-bottle/current-config/new-file 2>&1; echo "create=$?"
       awk '{print $5}' /proc/self/mountinfo | grep -c -e /queue -e /decided -e /pending`,
      );
      assert.match(run.stdout, /Read-only file system[\s\S]*write=1/);
      assert.match(run.stdout, /create=1/);
      assert.equal(run.stdout.trim().split('\n').at(-1), '0');
      assert.doesNotMatch(await bottle.liveRoutes(), /routes: \[\]/);
    });

    it('approving its own proposal: supervise itself cannot write a decision (decided/ is read-only there)', async () => {
      // Even the sidecar the agent talks to cannot forge one: a compromised supervise is bounded.
      const run = await execa(
        'docker',
        [
          'compose',
          '-f',
          bottle.composeFile,
          'exec',
          '-T',
          'supervise',
          'sh',
          '-c',
          'echo {} > /run/claude-bottle/state/queue/decided/agent-forged.json; echo "exit=$?"',
        ],
        { reject: false },
      );
      assert.match(run.stdout + run.stderr, /Read-only file system/);
      assert.match(run.stdout, /exit=[1-9]/);
    });

    // Observed: isError for each (the id pattern and the agent- prefix are checked first).
    it('approving its own proposal: await-proposal refuses ids that are paths or another source', async () => {
      for (const id of ['../decided/x', 'egress-proxy-20260101T000000Z-00000000', '/etc/passwd']) {
        const answer = await bottle.callTool('await-proposal', { proposal_id: id });
        assert.equal(answer.isError, true, `${id}: ${answer.text}`);
      }
    });

    // Threat row: "escaping the container".
    // Observed: no socket file anywhere; port 2375 on docker0 is unreachable like every host address.
    it('escaping the container: no Docker socket, and the engine API port is unreachable', async () => {
      const run = await bottle.asAgent(
        `find / -xdev \\( -name docker.sock -o -name containerd.sock -o -name '*.sock' -path '*docker*' \\) 2>/dev/null | head; echo found-end`,
      );
      assert.equal(run.stdout.trim(), 'found-end');
      const gatewayApi = await agentTcp(bottle, '172.17.0.1', 2375);
      assert.equal(gatewayApi.connected, false, gatewayApi.output);
    });

    // The agent's own process (`bash -l`, PID 1's child), not this exec: its bounding set is
    // cleared by setpriv in the entrypoint. Observed: all zero, NoNewPrivs 1, raw socket EPERM.
    it('escaping the container: the agent process holds no capability and cannot gain one', async () => {
      const run = await bottle.asAgent(
        `for p in /proc/[0-9]*; do [ "$(tr '\\0' ' ' < $p/cmdline)" = "bash -l " ] && grep -E 'Cap(Eff|Prm|Bnd)|NoNewPrivs' $p/status; done
       perl -MSocket -e 'socket(S, PF_INET, SOCK_RAW, 1) or die "raw: $!\\n"' 2>&1
       su -c id root </dev/null 2>&1; echo "su=$?"`,
      );
      assert.match(run.stdout, /CapPrm:\s+0{16}/);
      assert.match(run.stdout, /CapEff:\s+0{16}/);
      assert.match(run.stdout, /CapBnd:\s+0{16}/, 'the bounding set is empty too');
      assert.match(run.stdout, /NoNewPrivs:\s+1/);
      assert.match(run.stdout, /raw: Operation not permitted/);
      assert.match(run.stdout, /su=[1-9]/);
    });

    // Threat row: "reaching another bottle's sidecars". Observed: "Network is unreachable" (the
    // other bottle's internal subnet is off-link and the agent has no default route).
    it("reaching another bottle's sidecars: its supervise and proxy are unreachable by address", async () => {
      for (const service of ['supervise', 'egress-proxy']) {
        const ip = await serviceIp(other, service);
        assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
        const probe = await agentTcp(bottle, ip, service === 'supervise' ? 8080 : 3128);
        assert.equal(probe.connected, false, `${service} ${ip}: ${probe.output}`);
      }
    });

    it("reaching another bottle's sidecars: the names resolve to the agent's own sidecars only", async () => {
      const [own, theirs] = await Promise.all([
        serviceIp(bottle, 'supervise'),
        serviceIp(other, 'supervise'),
      ]);
      const [resolved] = await agentNode<{ answer?: string[] }[]>(bottle, 'dns-probe.mjs', {
        queries: [['supervise', 'A']],
      });
      assert.deepEqual(resolved?.answer, [own]);
      assert.notEqual(own, theirs);
      // The other bottle's token does not open this bottle's supervise either.
      const run = await bottle.asAgent(
        `curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer ${other.token}' http://supervise:8080/mcp`,
      );
      assert.equal(run.stdout, '401');
    });
  },
);
