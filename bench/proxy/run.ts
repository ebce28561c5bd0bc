// `npm run bench:proxy`: direct vs this proxy vs mitmproxy (mitmdump + bench/proxy/mitm-addon.py)
// vs http-mitm-proxy (bench/proxy/http-mitm-proxy-entry.ts), each when it can start, against one
// local HTTPS upstream, rounds interleaved, results written to the "## Egress proxy" section of
// docs/benchmarks.md. `npm run bench:proxy -- --scaling` instead compares this proxy's req/s
// pinned to one core and to two (scaling.ts) and only prints the table.
// Environment: BENCH_PROXY_CPUS (taskset -c), BENCH_PROXY_WORKERS (--workers N),
// BENCH_PROXY_CPU_PROF (node --cpu-prof into that folder); see bench/README.md.
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stop as stopEsbuild } from 'esbuild';
import { replaceSection } from '../benchmarks-doc.js';
import { bundleHttpMitmProxy, bundleProxy } from './bundle.js';
import { checkRule } from './check-rule.js';
import { FULL, MITM, type Contender } from './contenders.js';
import { directRoute, proxyRoute } from './harness.js';
import { httpMitmCaCert, httpMitmProxyVersion, startHttpMitmProxy } from './http-mitm-proxy.js';
import { mitmConfdir, mitmdumpVersion, startMitmdump } from './mitmdump.js';
import {
  measureStartup,
  rssMiB,
  startProxy,
  stop,
  stopAll,
  type ProxyLaunch,
  type Started,
} from './processes.js';
import { report } from './report.js';
import { runRounds } from './rounds.js';
import { runScaling } from './scaling.js';
import { setUp } from './setup.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function main(argv: string[]): Promise<void> {
  const benchStarted = performance.now();
  const loadAtStart = loadavg()[0]!;
  const launch = launchFromEnv(process.env);
  const bench = await setUp();
  const bundle = await bundleProxy(ROOT, bench.dir, launch.cpuProfDir !== undefined);
  if (argv.includes('--scaling')) {
    await stopEsbuild();
    process.stdout.write(await runScaling(bench, bundle, launch));
    await stop(bench.upstream);
    return;
  }
  const httpMitmBundle = await bundleHttpMitmProxy(ROOT, bench.dir);
  await stopEsbuild();

  const contenders: Contender[] = [
    { name: 'direct', route: directRoute(bench.upstreamCa, bench.host), counts: FULL },
  ];
  // The profile, if asked for, is of the timed process only, not of the start-up runs.
  const ours = await startProxy(bench.dir, bundle, bench.host, launch);
  contenders.push(
    proxyContender('proxy', ours, bench.bottleCa, () =>
      startProxy(bench.dir, bundle, bench.host, { ...launch, cpuProfDir: undefined }),
    ),
  );
  const skipped: string[] = [];
  const versions: Record<string, string | undefined> = {
    mitmproxy: mitmdumpVersion(),
    'http-mitm-proxy': httpMitmProxyVersion(),
  };
  const others = [
    {
      name: 'mitmproxy' as const,
      start: () => startMitmdump(bench.dir, bench.rule, bench.host),
      ca: () => join(mitmConfdir(bench.dir), 'mitmproxy-ca-cert.pem'),
    },
    {
      name: 'http-mitm-proxy' as const,
      start: () => startHttpMitmProxy(bench.dir, httpMitmBundle, bench.rule, bench.host),
      ca: () => httpMitmCaCert(bench.dir),
    },
  ];
  for (const other of others) {
    if (!versions[other.name]) continue;
    try {
      // The first start creates the proxy's own CA (ours gets a ready-made CA too).
      await stop(await other.start());
      const started = await other.start();
      const ca = readFileSync(other.ca(), 'utf8');
      contenders.push(
        proxyContender(other.name, started, ca, other.start, MITM_COUNTS[other.name]),
      );
    } catch (error) {
      const why = (error as Error).message.replace(/\s+/g, ' ').trim().slice(0, 300);
      skipped.push(`${other.name}: ${why}`);
      process.stderr.write(`skipping ${other.name}: ${why}\n`);
      versions[other.name] = undefined;
    }
  }

  for (const contender of contenders.filter((c) => c.process)) {
    await checkRule(contender, bench.named, bench.rule);
  }
  const results = await runRounds(
    contenders,
    (contender, path) => (contender.name === 'direct' ? bench.url(path) : bench.named(path)),
    bench.upstream.pid,
  );
  for (const contender of contenders) {
    if (!contender.process) continue;
    contender.loadedRss = rssMiB(contender.process.pid, true);
    await stop(contender.process);
  }
  await stop(bench.upstream);
  for (const contender of contenders) {
    if (contender.start) contender.startup = await measureStartup(contender.start);
  }
  const seconds = (performance.now() - benchStarted) / 1000;
  const extra = { versions, skipped, launch, seconds, loadAtStart };
  const section = report(results, contenders, extra);
  await replaceSection(join(ROOT, 'docs/benchmarks.md'), 'Egress proxy', section);
  process.stdout.write(section);
  if (launch.cpuProfDir) process.stderr.write(`CPU profile(s) in ${launch.cpuProfDir}\n`);
}

// mitmdump is asked less (contenders.ts); http-mitm-proxy is Node and gets the full counts.
const MITM_COUNTS = { mitmproxy: MITM, 'http-mitm-proxy': FULL };

function proxyContender(
  name: Contender['name'],
  started: Started,
  ca: string,
  start: () => Promise<Started>,
  counts = FULL,
): Contender {
  return {
    name,
    route: proxyRoute(name, started.port, ca),
    counts,
    process: started,
    start,
    idleRss: rssMiB(started.pid, true),
  };
}

function launchFromEnv(env: NodeJS.ProcessEnv): ProxyLaunch {
  const cpus = env.BENCH_PROXY_CPUS?.trim() || undefined;
  if (cpus && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpus)) {
    throw new Error(`BENCH_PROXY_CPUS takes a taskset CPU list such as 0 or 0,1, got "${cpus}"`);
  }
  const workersText = env.BENCH_PROXY_WORKERS?.trim() || undefined;
  if (workersText && !/^[1-9]\d*$/.test(workersText)) {
    throw new Error(`BENCH_PROXY_WORKERS takes a positive whole number, got "${workersText}"`);
  }
  const cpuProfDir = env.BENCH_PROXY_CPU_PROF ? resolve(env.BENCH_PROXY_CPU_PROF) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  return { cpus, workers: workersText ? Number(workersText) : undefined, cpuProfDir };
}

try {
  await main(process.argv.slice(2));
} finally {
  await stopAll();
}
