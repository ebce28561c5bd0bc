import { lookup as dnsLookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';

/** Name → addresses. Injected by tests and benchmarks so `.test` names never reach DNS. */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

// Debian, Fedora/RHEL and Alpine/macOS-style locations of the system trust store.
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

/**
 * The certificates upstream TLS is verified against: the system store (Node's bundled store
 * when none is found), plus NODE_EXTRA_CA_CERTS, plus any given explicitly.
 */
export function upstreamTrust(env: NodeJS.ProcessEnv, extra: readonly string[] = []): string[] {
  const trusted: string[] = [];
  const system = SYSTEM_BUNDLES.map(tryRead).find((text) => text !== undefined);
  trusted.push(...(system === undefined ? rootCertificates : [system]));
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    const text = tryRead(extraFile);
    if (text !== undefined) trusted.push(text);
  }
  trusted.push(...extra);
  return trusted;
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The upstream agents plus the one TLS context every upstream connection verifies with. */
export interface UpstreamAgents {
  http: HttpAgent;
  https: HttpsAgent;
  /** No pooling: for upgrades, whose sockets never go back to a keep-alive pool. */
  httpsFresh: HttpsAgent;
}

/**
 * Keep-alive agents for both upstream schemes. The trust store is parsed into one SecureContext
 * here, once: given as `ca`, the agent re-parsed the ~150 system certificates for every new
 * upstream socket (~48 ms of CPU each, 20 % of the proxy's time under load) and folded the
 * 220 KB of PEM into its pool key on every request (another 16 %). Verification is unchanged:
 * rejectUnauthorized stays on and the host name is checked against `servername`.
 */
export function createAgents(ca: string[]): UpstreamAgents {
  const trust = createSecureContext({ ca });
  return {
    http: new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
    https: new HttpsAgent({ keepAlive: true, scheduling: 'lifo', secureContext: trust }),
    httpsFresh: new HttpsAgent({ keepAlive: false, secureContext: trust }),
  };
}

const PRIVATE_RANGES = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE_RANGES.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE_RANGES.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, private, link-local, CGNAT, multicast or unspecified (IPv4-mapped too). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE_RANGES.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A resolver over a fixed name → address map, falling back to `fallback` for other names. */
export function mappedResolver(map: ReadonlyMap<string, string>, fallback: Resolver): Resolver {
  return (host) => {
    const address = map.get(host.toLowerCase());
    if (address !== undefined) return Promise.resolve([{ address, family: isIP(address) }]);
    return fallback(host);
  };
}

/** The system resolver (getaddrinfo), every address. */
export const systemResolver: Resolver = async (host) => dnsLookup(host, { all: true });

/** Resolves (IP literals pass through) and returns every address the name has. */
export async function resolveAll(
  resolver: Resolver,
  host: string,
): Promise<{ address: string; family: number }[]> {
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  const family = isIP(literal);
  if (family !== 0) return [{ address: literal, family }];
  const addresses = await resolver(host);
  if (addresses.length === 0)
    throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
  return addresses;
}
