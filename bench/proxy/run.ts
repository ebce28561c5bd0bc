// `npm run bench:proxy`: direct vs this proxy vs mitmproxy (mitmdump + bench/proxy/mitm-addon.py,
// when installed) against one local HTTPS upstream, rounds interleaved, results written to the
// "## Egress proxy" section of docs/benchmarks.md.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stop as stopEsbuild } from 'esbuild';
import { createCa } from '../../images/egress-proxy/ca.js';
import { replaceSection } from '../benchmarks-doc.js';
import { bundleProxy } from './bundle.js';
import { report } from './report.js';
import { FULL, MITM, ROUNDS, type Contender, type Results } from './contenders.js';
import {
  directRoute,
  latencies,
  median,
  percentile,
  probe,
  proxyRoute,
  throughput,
  timedRequest,
  uploadRate,
} from './harness.js';
import {
  BENCH_SECRET,
  cpuSeconds,
  measureStartup,
  mitmConfdir,
  mitmdumpVersion,
  routesYaml,
  rssMiB,
  startMitmdump,
  startProxy,
  startUpstream,
  stop,
  type BenchRule,
  type Started,
} from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'cb-bench-'));
  await createCa(join(dir, 'up'));
  await createCa(join(dir, 'bottle'));
  const upstreamCa = readFileSync(join(dir, 'up/ca.crt'), 'utf8');
  const bottleCa = readFileSync(join(dir, 'bottle/ca.crt'), 'utf8');
  const bundle = await bundleProxy(ROOT, dir);
  await stopEsbuild();
  const upstream = await startUpstream(join(dir, 'up'));
  const host = 'bench.upstream.test';
  const rule: BenchRule = {
    host: `${host}:${upstream.port}`,
    paths: ['/1k', '/upload'],
    methods: ['GET', 'POST'],
    header: 'Authorization',
    scheme: 'Bearer',
  };
  await writeFile(join(dir, 'routes.yaml'), routesYaml(rule));

  const startOurs = (): Promise<Started> => startProxy(dir, bundle, host);
  const ours = await startOurs();
  const contenders: Contender[] = [
    { name: 'direct', route: directRoute(upstreamCa, host), counts: FULL },
    {
      name: 'proxy',
      route: proxyRoute('proxy', ours.port, bottleCa),
      counts: FULL,
      process: ours,
      start: startOurs,
      idleRss: rssMiB(ours.pid),
    },
  ];
  const mitmVersion = mitmdumpVersion();
  if (mitmVersion) {
    const startMitm = (): Promise<Started> => startMitmdump(dir, rule, host);
    // The first start creates mitmproxy's CA in its confdir; ours gets a ready-made CA too.
    await stop(await startMitm());
    const mitm = await startMitm();
    const mitmCa = readFileSync(join(mitmConfdir(dir), 'mitmproxy-ca-cert.pem'), 'utf8');
    contenders.push({
      name: 'mitmproxy',
      route: proxyRoute('mitmproxy', mitm.port, mitmCa),
      counts: MITM,
      process: mitm,
      start: startMitm,
      idleRss: rssMiB(mitm.pid),
    });
  }

  // The upstream name resolves only inside this harness: clients connect to 127.0.0.1.
  const url = (path: string): URL => new URL(`https://127.0.0.1:${upstream.port}${path}`);
  const named = (path: string): URL => new URL(`https://${rule.host}${path}`);
  for (const contender of contenders.filter((c) => c.process)) {
    await checkRule(contender, named, rule);
  }

  const results: Results = new Map();
  const add = (route: string, key: string, value: number): void => {
    const byKey = results.get(route) ?? {};
    (byKey[key] ??= []).push(value);
    results.set(route, byKey);
  };
  const big = Buffer.alloc(5 * 1024 * 1024, 'The quick brown fox jumps over the lazy dog. ');
  for (let round = 1; round <= ROUNDS; round++) {
    // Interleaved, and each round starts with a different contender.
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
    for (const { name, route, counts, process: proxy } of order) {
      const target = name === 'direct' ? url : named;
      const agent = route.agent(true);
      if (round === 1) {
        await latencies(agent, target('/1k'), counts.warmSequential);
        await throughput(agent, target('/1k'), 32, counts.warmRpsMs);
        await uploadRate(agent, target('/upload'), big, counts.warmUploads);
      }
      const lat = await latencies(agent, target('/1k'), counts.latency);
      add(name, 'p50', median(lat));
      add(name, 'p99', percentile(lat, 99));
      const pids = [proxy?.pid, upstream.pid, process.pid];
      const cpuBefore = pids.map((pid) => (pid === undefined ? 0 : cpuSeconds(pid)));
      const rpsStarted = performance.now();
      add(name, 'rps32', await throughput(agent, target('/1k'), 32, counts.rpsMs));
      const seconds = (performance.now() - rpsStarted) / 1000;
      pids.forEach((pid, i) => {
        if (pid !== undefined) add(name, `cpu32-${i}`, (cpuSeconds(pid) - cpuBefore[i]!) / seconds);
      });
      add(name, 'mibps', await uploadRate(agent, target('/upload'), big, counts.uploads));
      agent.destroy();
      const fresh: number[] = [];
      for (let i = 0; i < counts.fresh; i++) {
        const once = route.agent(false);
        fresh.push(await timedRequest(once, target('/1k')));
        once.destroy();
      }
      add(name, 'newconn', median(fresh));
      process.stderr.write(`round ${round} ${name} done\n`);
    }
  }
  for (const contender of contenders) {
    if (!contender.process) continue;
    contender.loadedRss = rssMiB(contender.process.pid);
    await stop(contender.process);
  }
  await stop(upstream);
  for (const contender of contenders) {
    if (contender.start) contender.startup = await measureStartup(contender.start);
  }
  const seconds = (performance.now() - benchStarted) / 1000;
  const section = report(results, contenders, { mitmVersion, seconds });
  await replaceSection(join(ROOT, 'docs/benchmarks.md'), 'Egress proxy', section);
  process.stdout.write(section);
}

/**
 * Before anything is timed, both proxies must enforce the same rule: the allowed route answers
 * 200 and the upstream saw the injected credential; another path and another method get 403.
 */
async function checkRule(
  contender: Contender,
  named: (path: string) => URL,
  rule: BenchRule,
): Promise<void> {
  const agent = contender.route.agent(false);
  const expected = createHash('sha256').update(`${rule.scheme} ${BENCH_SECRET}`).digest('hex');
  try {
    const allowed = await probe(agent, named('/1k?auth'));
    const denied = await probe(agent, named('/denied'));
    const method = await probe(agent, named('/1k'), 'DELETE');
    const problems = [
      allowed.status === 200 ? '' : `GET /1k answered ${allowed.status}`,
      allowed.headers['x-auth-sha256'] === expected
        ? ''
        : 'the upstream did not see the credential',
      denied.status === 403 ? '' : `GET /denied answered ${denied.status}`,
      method.status === 403 ? '' : `DELETE /1k answered ${method.status}`,
    ].filter(Boolean);
    if (problems.length > 0) {
      throw new Error(`${contender.name} does not enforce the bench rule: ${problems.join('; ')}`);
    }
  } finally {
    agent.destroy();
  }
}

await main();
