import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { execAsAgent } from '../../helpers/agent-exec.js';
import type { SupervisedBottle } from '../supervisor/fixture.js';

// What the scripted attacker runs inside its bottle, as the agent's uid. Every probe reports
// what the agent saw (connected or the kernel's error), never a secret value.

const FIXTURES = fileURLToPath(new URL('../../fixtures/attacks/', import.meta.url));

/** A TCP connect from the agent with bash's /dev/tcp: `connected`, or the error bash printed. */
export async function agentTcp(bottle: SupervisedBottle, host: string, port: number) {
  const run = await bottle.asAgent(
    `timeout 4 bash -c 'exec 3<>/dev/tcp/${host}/${port} && echo CONNECTED' 2>&1; echo "exit=$?"`,
  );
  return { connected: run.stdout.includes('CONNECTED'), output: run.stdout };
}

/** One UDP datagram from the agent; `sent` when the kernel accepted it. */
export async function agentUdp(bottle: SupervisedBottle, host: string, port: number) {
  const run = await bottle.asAgent(
    `timeout 4 bash -c 'echo probe > /dev/udp/${host}/${port} && echo SENT' 2>&1; echo "exit=$?"`,
  );
  return { sent: run.stdout.includes('SENT'), output: run.stdout };
}

/** Runs a fixture script with node in the agent container; its last stdout line is JSON. */
export async function agentNode<T>(
  bottle: SupervisedBottle,
  fixture: string,
  arg: unknown,
  input?: string,
): Promise<T> {
  const script = await readFile(`${FIXTURES}${fixture}`, 'utf8');
  // The script travels as an argument (`-e`), so stdin stays free for `input`.
  const run = await execAsAgent(
    bottle.composeFile,
    ['node', '--input-type=module', '-e', script, '_', JSON.stringify(arg)],
    { input: input ?? '', timeout: 180_000 },
  );
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{') && !last.startsWith('['))
    throw new Error(`${fixture} printed no result (${run.exitCode}): ${run.stderr.slice(0, 2000)}`);
  return JSON.parse(last) as T;
}

export interface TunnelSpec {
  connect: string;
  servername?: string;
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  chunks?: string[];
}

export interface TunnelResult {
  status?: number;
  body?: string;
  connectStatus?: number;
  error?: string;
}

/** One raw request through a CONNECT tunnel of the proxy (fixtures/tunnel-client.mjs). */
export function agentTunnel(bottle: SupervisedBottle, spec: TunnelSpec): Promise<TunnelResult> {
  return agentNode<TunnelResult>(bottle, 'tunnel-client.mjs', {
    servername: spec.host.replace(/:\d+$/, ''),
    ...spec,
  });
}

/** A TCP and a UDP listener on every host address: what the host would answer if reached. */
export async function hostListeners(): Promise<{
  port: number;
  udpPort: number;
  tcpAccepted: () => number;
  udpReceived: () => number;
  close: () => Promise<void>;
}> {
  let accepted = 0;
  let received = 0;
  const tcp: Server = createServer((socket) => {
    accepted++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => tcp.listen(0, '0.0.0.0', resolve));
  const udp: Socket = createSocket('udp4');
  udp.on('message', () => received++);
  await new Promise<void>((resolve) => udp.bind(0, '0.0.0.0', resolve));
  return {
    port: (tcp.address() as AddressInfo).port,
    udpPort: udp.address().port,
    tcpAccepted: () => accepted,
    udpReceived: () => received,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** The host's own IPv4 addresses (bridge gateways included), loopback excepted. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/** The gateway address of a Docker network (the host's address on that bridge). */
export async function networkGateway(network: string): Promise<string> {
  const inspect = await execa('docker', [
    'network',
    'inspect',
    '-f',
    '{{range .IPAM.Config}}{{.Gateway}} {{.Subnet}}{{end}}',
    network,
  ]);
  const [gateway, subnet] = inspect.stdout.trim().split(/\s+/);
  if (gateway && /^\d+\.\d+\.\d+\.\d+$/.test(gateway)) return gateway;
  const base = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet ?? gateway ?? '');
  if (!base) throw new Error(`no IPv4 gateway for ${network}: ${inspect.stdout}`);
  return `${base[1]}.${base[2]}.${base[3]}.${Number(base[4]) + 1}`;
}

/** The ids of the bottle's undecided proposals (of `tool`, when given), as the operator lists them. */
export async function pendingIds(bottle: SupervisedBottle, tool?: string): Promise<string[]> {
  const listed = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
  if (listed.code !== 0) throw new Error(`proposals --json failed: ${listed.stderr}`);
  const { proposals } = JSON.parse(listed.stdout) as { proposals: { id: string; tool: string }[] };
  return proposals.filter((p) => tool === undefined || p.tool === tool).map((p) => p.id);
}
