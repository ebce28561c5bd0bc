// `npm run bench:scale`: one bottle, then two at once, then ten at once — each `start --detach`
// to its agent's first proxied request, all started together (CLI in-process, as bench:start),
// then the memory each bottle's containers hold and the proxy's own RSS, then `list` over them
// (a fresh `claude-bottle` process) beside `docker ps`. How cost grows with the count.
// Results go to the "## Many bottles" section of docs/benchmarks.md.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { createDocker } from '../../launcher/docker.js';
import { replaceSection } from '../benchmarks-doc.js';
import { ROOT, ensureUpstreamImage, makeBenchHome, makeUpstream } from '../start/bench-home.js';
import { makeCycle } from '../start/bottle-cycle.js';
import { engineVersions, now, recordEvents, serviceContainer } from '../start/engine.js';
import { fmtMs as f, fmtRatio as x, median } from '../start/stats.js';

const COUNTS = (process.env.CB_BENCH_SCALE_COUNTS ?? '1,2,10').split(',').map(Number);
const SERVICES = ['agent', 'egress-proxy', 'supervise'] as const;
const MIB = 1024 * 1024;

interface Step {
  count: number;
  /** Every bottle started together → the last one's first proxied request answered. */
  wallMs: number;
  /** Each bottle's own start → first proxied request. */
  firstMs: number[];
  /** Per bottle, per service: cgroup memory less page cache, and its anonymous (RSS) part. */
  memory: Record<(typeof SERVICES)[number], { usage: number; rss: number }>[];
  listMs: number;
  dockerPsMs: number;
  stopWallMs: number;
}

async function memoryOf(engine: Docker, project: string): Promise<Step['memory'][number]> {
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const id = await serviceContainer(engine, project, service);
      const stats = (await engine.getContainer(id).stats({ stream: false })) as {
        memory_stats: { usage?: number; stats?: Record<string, number> };
      };
      const m = stats.memory_stats;
      // cgroup v1 names (rss, total_inactive_file); v2 (anon, inactive_file) as a fallback.
      const inactive = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
      const rss = m.stats?.rss ?? m.stats?.anon ?? NaN;
      return [service, { usage: (m.usage ?? NaN) - inactive, rss }] as const;
    }),
  );
  return Object.fromEntries(entries) as Step['memory'][number];
}

async function timedProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = now();
  const out = await execa(argv[0]!, argv.slice(1), { env, reject: false });
  if (out.exitCode !== 0)
    throw new Error(`${argv.join(' ')} exited ${out.exitCode}: ${out.stderr}`);
  return now() - t0;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/cli.mjs'))) throw new Error('run `npm run build` first');
  const started = now();
  const loadBefore = loadavg()[0]!;
  const bench = await makeBenchHome();
  const docker = createDocker(bench.env);
  const recorder = await recordEvents(docker.engine);
  const upstream = makeUpstream(docker.engine, recorder, bench.home);
  const cycle = makeCycle(bench, docker, recorder, upstream);
  const steps: Step[] = [];
  try {
    await upstream.start(await ensureUpstreamImage());
    process.stderr.write('warm-up: one start (builds images if their hash is new)…\n');
    const warm = await cycle.start();
    await cycle.checkCredential(warm.slug);
    await cycle.stop(warm.slug);
    for (const count of COUNTS) {
      process.stderr.write(`${count} bottle(s) at once…\n`);
      const t0 = now();
      const runs = await Promise.all(Array.from({ length: count }, () => cycle.start()));
      const wallMs = now() - t0;
      // Settled: each proxy has served its first request; memory read once all are up.
      const memory = await Promise.all(runs.map((r) => memoryOf(docker.engine, `cb-${r.slug}`)));
      const listMs = median(
        await sequential(3, () =>
          timedProcess(['node', join(ROOT, 'bin/claude-bottle.js'), 'list'], bench.env),
        ),
      );
      const dockerPsMs = median(
        await sequential(3, () => timedProcess(['docker', 'ps', '-a'], bench.env)),
      );
      const s0 = now();
      await Promise.all(runs.map((r) => cycle.stop(r.slug)));
      const stopWallMs = now() - s0;
      const step: Step = {
        count,
        wallMs,
        firstMs: runs.map((r) => r.sample.firstMs),
        memory,
        listMs,
        dockerPsMs,
        stopWallMs,
      };
      steps.push(step);
      process.stderr.write(
        `  all up ${f(wallMs)} ms, each median ${f(median(step.firstMs))} ms, proxy RSS median ${mib(median(memory.map((m) => m['egress-proxy'].rss)))} MiB, list ${f(listMs)} ms\n`,
      );
    }
    const versions = await engineVersions();
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, 1-min load ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after; Docker Engine ${versions.engine}, Compose ${versions.compose}`;
    const section = render(steps, machine, (now() - started) / 1000);
    await replaceSection(join(ROOT, 'docs/benchmarks.md'), 'Many bottles', section);
    process.stdout.write(section);
  } finally {
    recorder.close();
    await upstream.remove();
    await cycle.removeAll();
    await rm(bench.root, { recursive: true, force: true });
  }
}

async function sequential(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

const mib = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / MIB).toFixed(1) : '–');

function render(steps: Step[], machine: string, seconds: number): string {
  const one = steps.find((s) => s.count === 1) ?? steps[0]!;
  const perBottle = (s: Step) =>
    s.memory.map((m) => SERVICES.reduce((sum, svc) => sum + m[svc].usage, 0));
  const svc = (s: Step, service: (typeof SERVICES)[number], key: 'usage' | 'rss') =>
    median(s.memory.map((m) => m[service][key]));
  const rows = steps.map(
    (s) =>
      `| ${s.count} | ${f(s.wallMs)} | ${f(median(s.firstMs))} | ${f(Math.max(...s.firstMs))} | ${x(median(s.firstMs) / median(one.firstMs))} | ${f(s.wallMs / s.count)} | ${f(s.stopWallMs)} |`,
  );
  const memRows = steps.map(
    (s) =>
      `| ${s.count} | ${mib(median(perBottle(s)))} | ${mib(svc(s, 'agent', 'usage'))} | ${mib(svc(s, 'egress-proxy', 'usage'))} | ${mib(svc(s, 'egress-proxy', 'rss'))} | ${mib(svc(s, 'supervise', 'usage'))} | ${mib(perBottle(s).reduce((a, b) => a + b, 0))} | ${x(median(perBottle(s)) / median(perBottle(one)))} |`,
  );
  const listRows = steps.map(
    (s) => `| ${s.count} | ${f(s.listMs)} | ${f(s.dockerPsMs)} | ${x(s.listMs / s.dockerPsMs)} |`,
  );
  return `${[
    '## Many bottles',
    '',
    'Command: `npm run bench:scale` (bench/scale/run.ts). The bench:start bottle (scripted agent,',
    "three services: agent, egress-proxy, supervise; one route with an injected credential to a local HTTPS upstream), started N at once with the CLI in-process (`Promise.all` of `start --detach`), each timed to its agent's first proxied request; then each container's memory read from the engine's stats once all are up; then `list` as a fresh `claude-bottle` process (median of 3) beside `docker ps -a`; then all stopped at once. The one-bottle step is the baseline of the ratios.",
    '',
    `Machine: ${machine}; measured ${new Date().toISOString().slice(0, 10)}; ${Math.round(seconds)} s in all.`,
    '',
    '| bottles at once | all up: wall ms | each: start → first request, median ms | slowest ms | median / one bottle | wall per bottle ms | stop all: wall ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Memory (MiB, median per bottle; "memory" is the cgroup usage less inactive page cache, as `docker stats` shows it; proxy RSS is the cgroup\'s anonymous memory, the Node heap and code):',
    '',
    '| bottles | per bottle | agent | egress-proxy | egress-proxy RSS | supervise | all bottles | per bottle / one bottle |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...memRows,
    '',
    '| bottles running | `claude-bottle list` ms | `docker ps -a` ms | ratio |',
    '| --- | --- | --- | --- |',
    ...listRows,
    '',
  ].join('\n')}\n`;
}

await main();
