// `npm run bench:proxy -- --scaling`: this proxy's req/s at concurrency 32 pinned to one core and
// to two, in the same run, rounds interleaved, with direct as the baseline. Prints a table.
import { cpus } from 'node:os';
import { FULL, ROUNDS } from './contenders.js';
import { directRoute, latencies, median, proxyRoute, throughput, type Route } from './harness.js';
import { cpuSeconds, startProxy, stop, type ProxyLaunch, type Started } from './processes.js';
import type { BenchSetup } from './setup.js';

interface Arm {
  label: string;
  route: Route;
  url: (path: string) => URL;
  launch?: ProxyLaunch;
  proxy?: Started;
  rps: number[];
  cpu: number[][];
}

/**
 * Two copies of this proxy, one under `taskset -c 0` and one under `taskset -c 0,1`. With
 * BENCH_PROXY_WORKERS set, each gets `--workers` equal to its cores (1 and 2); without it, no
 * flag, so the figure shows what a second core gives the proxy as it is.
 */
export async function runScaling(
  bench: BenchSetup,
  bundle: string,
  launch: ProxyLaunch,
): Promise<string> {
  if (cpus().length < 2) throw new Error('--scaling needs at least two cores');
  const arms: Arm[] = [
    {
      label: 'direct',
      route: directRoute(bench.upstreamCa, bench.host),
      url: bench.url,
      rps: [],
      cpu: [],
    },
  ];
  for (const [label, cpuList, workers] of [
    ['this proxy, 1 core', '0', 1],
    ['this proxy, 2 cores', '0,1', 2],
  ] as const) {
    const armLaunch: ProxyLaunch = {
      ...launch,
      cpus: cpuList,
      workers: launch.workers === undefined ? undefined : workers,
    };
    const proxy = await startProxy(bench.dir, bundle, bench.host, armLaunch);
    const route = proxyRoute(label, proxy.port, bench.bottleCa);
    arms.push({ label, route, url: bench.named, launch: armLaunch, proxy, rps: [], cpu: [] });
  }
  for (const arm of arms) {
    const agent = arm.route.agent(true);
    await latencies(agent, arm.url('/1k'), FULL.warmSequential);
    await throughput(agent, arm.url('/1k'), 32, FULL.warmRpsMs);
    agent.destroy();
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const arm of arms.map((_, i) => arms[(i + round - 1) % arms.length]!)) {
      const agent = arm.route.agent(true);
      const parties = [
        (): number => (arm.proxy ? cpuSeconds(arm.proxy.pid, true) : NaN),
        (): number => cpuSeconds(bench.upstream.pid),
        (): number => cpuSeconds(process.pid),
      ];
      const before = parties.map((used) => used());
      const started = performance.now();
      arm.rps.push(await throughput(agent, arm.url('/1k'), 32, FULL.rpsMs));
      const seconds = (performance.now() - started) / 1000;
      arm.cpu.push(parties.map((used, i) => (used() - before[i]!) / seconds));
      agent.destroy();
      process.stderr.write(`scaling round ${round} ${arm.label} done\n`);
    }
  }
  for (const arm of arms) if (arm.proxy) await stop(arm.proxy);
  return scalingTable(arms);
}

function scalingTable(arms: Arm[]): string {
  const f = (value: number, digits = 2): string =>
    Number.isNaN(value) ? '' : value.toFixed(digits);
  const direct = median(arms[0]!.rps);
  const cpu = (arm: Arm, i: number): number => median(arm.cpu.map((row) => row[i]!));
  const rows = arms.map((arm) => [
    arm.label,
    arm.launch ? `\`taskset -c ${arm.launch.cpus}\`` : '',
    arm.launch?.workers === undefined
      ? arm.launch
        ? 'no flag'
        : ''
      : `\`--workers ${arm.launch.workers}\``,
    f(median(arm.rps), 0),
    arm.launch ? `${f(median(arm.rps) / direct)}×` : '',
    f(cpu(arm, 0)),
    f(cpu(arm, 1)),
    f(cpu(arm, 2)),
  ]);
  const head = [
    '',
    'pinned',
    'workers',
    'req/s, concurrency 32',
    'vs direct',
    'proxy cores',
    'upstream cores',
    'client cores',
  ];
  const table = [head, head.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`);
  const ratio = median(arms[2]!.rps) / median(arms[1]!.rps);
  return [
    `Scaling: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}; ${ROUNDS} rounds of ${FULL.rpsMs / 1000} s, interleaved, medians.`,
    '',
    ...table,
    '',
    `2 cores ÷ 1 core: **${f(ratio)}×** req/s. The client and the upstream are not pinned: on a 2-core machine they share the cores with the proxy.`,
    '',
  ].join('\n');
}
