import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A benchmark child process and what it reported when it became ready. */
export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  readyMs: number;
}

/** The HTTPS upstream in its own process, so it never shares an event loop with the client. */
export async function startUpstream(caDir: string): Promise<Started> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/proxy/upstream-entry.ts'), caDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface(child.stdout), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { child, pid: child.pid!, port, readyMs: performance.now() - started };
}

/** The own secret the proxy loads (DLP) and the bench route injects as its credential. */
export const BENCH_SECRET = 'bench-secret-value-0123456789';

/** The one rule both proxies enforce: written to routes.yaml for ours, passed to the addon. */
export interface BenchRule {
  /** host:port; the name resolves to 127.0.0.1 only inside the harness. */
  host: string;
  paths: string[];
  methods: string[];
  header: string;
  scheme: string;
}

export function routesYaml(rule: BenchRule): string {
  return [
    'routes:',
    `  - host: ${rule.host}`,
    `    paths: [${rule.paths.join(', ')}]`,
    `    methods: [${rule.methods.join(', ')}]`,
    `    auth: { header: ${rule.header}, scheme: ${rule.scheme}, secret: bench }`,
    '    private: true',
    '',
  ].join('\n');
}

/** The proxy from `bundle`, as the image runs it, in its own process. */
export async function startProxy(dir: string, bundle: string, host: string): Promise<Started> {
  const args = [
    bundle,
    '--routes',
    join(dir, 'routes.yaml'),
    '--ca-dir',
    join(dir, 'bottle'),
    '--listen',
    '127.0.0.1:0',
    '--resolve',
    `${host}=127.0.0.1`,
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: join(dir, 'up/ca.crt'),
      EGRESS_SECRET_BENCH: BENCH_SECRET,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return listening(child, started, 'proxy');
}

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
    env: {
      PATH: process.env.PATH,
      PYTHONDONTWRITEBYTECODE: '1',
      BENCH_ROUTE_HOST: rule.host,
      BENCH_ROUTE_PATHS: rule.paths.join(','),
      BENCH_ROUTE_METHODS: rule.methods.join(','),
      BENCH_AUTH_HEADER: rule.header,
      BENCH_AUTH_SCHEME: rule.scheme,
      EGRESS_SECRET_BENCH: BENCH_SECRET,
      BENCH_RESOLVE: `${host}=127.0.0.1`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return listening(child, started, 'mitmdump');
}

/** Waits for the `{"event":"listening",...,"port":N}` line on the child's stderr. */
async function listening(child: ChildProcess, started: number, name: string): Promise<Started> {
  let text = '';
  child.stderr!.setEncoding('utf8');
  for await (const chunk of child.stderr!) {
    text += chunk as string;
    const match = /"event":"listening".*?"port":(\d+)/.exec(text);
    if (match) {
      const readyMs = performance.now() - started;
      // Keep draining stderr so a chatty proxy can never block on a full pipe.
      child.stderr!.resume();
      return { child, pid: child.pid!, port: Number(match[1]), readyMs };
    }
  }
  throw new Error(`${name} did not start:\n${text}`);
}

export async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  if (started.child.exitCode === null) await once(started.child, 'exit');
}

/** Ready-after-spawn times of `count` fresh starts, each stopped before the next. */
export async function measureStartup(start: () => Promise<Started>, count = 5): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const proxy = await start();
    times.push(proxy.readyMs);
    await stop(proxy);
  }
  return times;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
