import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listening, ruleEnv, type BenchRule, type Started } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where mitmdump keeps its own CA (created on its first start): mitmproxy-ca-cert.pem. */
export const mitmConfdir = (dir: string): string => join(dir, 'mitm');

/** "mitmproxy 8.1.1 (Python 3.11.2)" from mitmdump --version, or undefined when not installed. */
export function mitmdumpVersion(): string | undefined {
  try {
    const out = execFileSync('mitmdump', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}:\\s*(\\S+)`, 'im').exec(out)?.[1];
    return `mitmproxy ${field('Mitmproxy') ?? '?'} (Python ${field('Python') ?? '?'})`;
  } catch {
    return undefined;
  }
}

/** The mitmdump flags the bench uses, without the addon and confdir paths (for the doc). */
export const MITMDUMP_FLAGS = [
  '--listen-host',
  '127.0.0.1',
  '--listen-port',
  '0',
  '--set',
  'termlog_verbosity=warn',
  '--set',
  'flow_detail=0',
];

/**
 * mitmdump in its own process with bench/proxy/mitm-addon.py enforcing `rule`: its own CA in
 * `mitmConfdir(dir)`, the upstream verified against the bench upstream's CA (as ours does via
 * NODE_EXTRA_CA_CERTS). The addon prints the same "listening" line as ours once the port is bound.
 */
export async function startMitmdump(dir: string, rule: BenchRule, host: string): Promise<Started> {
  const args = [
    '-s',
    join(ROOT, 'bench/proxy/mitm-addon.py'),
    ...MITMDUMP_FLAGS,
    '--set',
    `confdir=${mitmConfdir(dir)}`,
    '--set',
    `ssl_verify_upstream_trusted_ca=${join(dir, 'up/ca.crt')}`,
  ];
  const started = performance.now();
  const child = spawn('mitmdump', args, {
    env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1', ...ruleEnv(rule, host) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return listening(child, started, 'mitmdump');
}
