import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A benchmark child process and what it reported when it became ready. */
export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  readyMs: number;
}

const running = new Set<ChildProcess>();

/** Every child still running, so a failed run can stop them all (`stopAll`). */
function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Stops whatever the bench started and has not stopped yet (after a failure). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map((child) => stop({ child, pid: child.pid!, port: 0, readyMs: 0 }, 2000)),
  );
}

/** The HTTPS upstream in its own process, so it never shares an event loop with the client. */
export async function startUpstream(caDir: string): Promise<Started> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/proxy/upstream-entry.ts'), caDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  track(child);
  const [line] = (await once(createInterface(child.stdout), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { child, pid: child.pid!, port, readyMs: performance.now() - started };
}

/** The own secret the proxy loads (DLP) and the bench route injects as its credential. */
export const BENCH_SECRET = 'bench-secret-value-0123456789';

/** The one rule every proxy enforces: routes.yaml for ours, the environment for the others. */
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

/** The rule as the environment of mitm-addon.py and http-mitm-proxy-entry.ts. */
export function ruleEnv(rule: BenchRule, host: string): Record<string, string> {
  return {
    BENCH_ROUTE_HOST: rule.host,
    BENCH_ROUTE_PATHS: rule.paths.join(','),
    BENCH_ROUTE_METHODS: rule.methods.join(','),
    BENCH_AUTH_HEADER: rule.header,
    BENCH_AUTH_SCHEME: rule.scheme,
    EGRESS_SECRET_BENCH: BENCH_SECRET,
    BENCH_RESOLVE: `${host}=127.0.0.1`,
  };
}

/** How this proxy's process is started, beyond its flags (from the BENCH_PROXY_* variables). */
export interface ProxyLaunch {
  /** Run under `taskset -c <cpus>` (BENCH_PROXY_CPUS). */
  cpus?: string;
  /** Pass `--workers N` (BENCH_PROXY_WORKERS); without it no flag is passed at all. */
  workers?: number;
  /** Run `node --cpu-prof --cpu-prof-dir=<dir>` (BENCH_PROXY_CPU_PROF). */
  cpuProfDir?: string;
}

/** The proxy from `bundle`, as the image runs it, in its own process. */
export async function startProxy(
  dir: string,
  bundle: string,
  host: string,
  launch: ProxyLaunch = {},
): Promise<Started> {
  const node = [
    process.execPath,
    ...(launch.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfDir}`] : []),
    bundle,
    '--routes',
    join(dir, 'routes.yaml'),
    '--ca-dir',
    join(dir, 'bottle'),
    '--listen',
    '127.0.0.1:0',
    '--resolve',
    `${host}=127.0.0.1`,
    ...(launch.workers === undefined ? [] : ['--workers', String(launch.workers)]),
  ];
  // taskset execs node, so the pid stays the proxy's own.
  const argv = launch.cpus ? ['taskset', '-c', launch.cpus, ...node] : node;
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: join(dir, 'up/ca.crt'),
      EGRESS_SECRET_BENCH: BENCH_SECRET,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return listening(child, started, 'proxy');
}

/** Waits for the `{"event":"listening",...,"port":N}` line on the child's stderr. */
export async function listening(
  child: ChildProcess,
  started: number,
  name: string,
): Promise<Started> {
  track(child);
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

/**
 * SIGTERM, then waits for the exit (a proxy under --cpu-prof writes its profile on the way out).
 * One that is still running after `graceMs` is killed and reported on stderr.
 */
export async function stop(started: Started, graceMs = 10_000): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = once(started.child, 'exit');
  started.child.kill('SIGTERM');
  const result = await Promise.race([exited, sleep(graceMs, 'timeout' as const)]);
  if (result !== 'timeout') return;
  process.stderr.write(`pid ${started.pid} ignored SIGTERM for ${graceMs} ms: killed\n`);
  started.child.kill('SIGKILL');
  await exited;
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

/** `pid` and its descendants (a proxy with node:cluster workers is more than one process). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Resident memory in MB of `pid` (with `tree`, summed over its descendants too). */
export function rssMiB(pid: number, tree = false): number {
  let kib = 0;
  for (const one of tree ? processTree(pid) : [pid]) {
    try {
      const status = readFileSync(`/proc/${one}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    } catch {
      // exited meanwhile
    }
  }
  return kib / 1024;
}

/** CPU seconds (user + system) used so far by `pid` (with `tree`, and by its descendants). */
export function cpuSeconds(pid: number, tree = false): number {
  let ticks = 0;
  for (const one of tree ? processTree(pid) : [pid]) {
    const fields = statFields(one);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** /proc/<pid>/stat after the command name (state is [0], ppid [1]); undefined once gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}
