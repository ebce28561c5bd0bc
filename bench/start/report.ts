// The "## Start-up" section of docs/benchmarks.md for `npm run bench:start`: tables, the phase
// breakdown, and the applied changes and proposals (findings.ts). Other sections stay as they are.
import { replaceSection } from '../benchmarks-doc.js';
import { findings } from './findings.js';
import { PHASES, phaseDurations, span } from './marks.js';
import type { RoundSample, StartReport } from './samples.js';
import { fmtMs as f, fmtRatio as x, fmtS as s, median, p90 } from './stats.js';

const INTRO = [
  'Command: `npm run bench:start` (bench/start/run.ts). The CLI runs **in-process** (`runCli` from',
  'launcher/cli.ts, as the e2e tests drive it), so Node start-up and module loading of the',
  '`claude-bottle` binary are not in the start figures; they are measured apart below',
  '("CLI process"). One temp `CLAUDE_BOTTLE_HOME` with a scripted agent (provider `none`), a',
  'bottle with one secret and one route (`api.example.test`, `private: true`, injected',
  '`Authorization`), no git remotes, so a bottle is **three services**: agent, egress-proxy,',
  'supervise (no git-gate); no `--repo` (empty workspace). The upstream is a local HTTPS container',
  "that joins each bottle's egress network as `api.example.test` when compose creates it (docker",
  "events); it runs from its own image (Debian's nodejs), so removing the bottle's images for the",
  'cold starts leaves it serving. A warm-up round (not counted) builds any image whose content hash',
  'is new and checks that the upstream receives the injected credential.',
  '',
  'Per round, interleaved and in alternating order: **warm start** = `start <agent> --detach` until',
  "the agent's first proxied request answers 200 (after `start` returns, the harness runs",
  "`curl https://api.example.test/hello` in the agent container as the agent uid via the engine's",
  'exec API, retrying until 200); **stop** = `stop <slug>`; **floor** = `docker compose up -d` of',
  'a compose file with the same three services, the same images and the same two networks',
  '(`internal: true` + `egress`), each running an idle `sleep` (then `docker compose down',
  '--timeout 5`), once with `depends_on` on the agent (the floor the target was set against) and',
  'once without (as the bottle now starts), and a bare `docker run --rm <base image> true`.',
];

export function renderStartSection(report: StartReport): string {
  const { rounds, micro } = report;
  const col = (pick: (r: RoundSample) => number) => rounds.map(pick);
  const row = (name: string, values: number[], note = '') =>
    `| ${name} | ${f(median(values))} | ${f(p90(values))} | ${f(Math.min(...values))} | ${f(Math.max(...values))} | ${note} |`;
  const ratio = (a: number[], b: number[]) => a.map((v, i) => v / b[i]!);
  const ratioRow = (name: string, values: number[], target = '', met = '') =>
    `| ${name} | ${x(median(values))} | ${x(p90(values))} | ${target} | ${met} |`;
  const ready = col((r) => r.start.readyMs);
  const first = col((r) => r.start.firstMs);
  const floorUp = col((r) => r.floorUp);
  const floorFlatUp = col((r) => r.floorFlatUp);
  const floorDown = col((r) => r.floorDown);
  const stop = col((r) => r.stop.ms);
  const bare = col((r) => r.bare);
  const firstOverFloor = ratio(first, floorUp);
  const cold = rounds.filter((r) => !r.start.warm).length;
  const metAbs = median(first) <= 2500;
  const metRatio = median(firstOverFloor) <= 2;
  const phases = rounds.map((r) => phaseDurations(r.start.marks));
  const phaseMedians = PHASES.map((_, i) => median(phases.map((p) => p[i]!)));
  const marksSpan = (from: string, to: string) => col((r) => span(r.start.marks, from, to));
  const services = ['agent', 'egress-proxy', 'supervise'];
  const killed = new Map<string, number>();
  for (const r of rounds) for (const k of r.stop.killed) killed.set(k, (killed.get(k) ?? 0) + 1);
  const steps = report.entrypoint.steps;
  const epTotal = steps.find((e) => e.step === 'TOTAL')?.ms ?? NaN;
  const epTop = steps
    .filter((e) => e.step !== 'TOTAL')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((e) => `\`${e.step.replace(/`/g, "'").replace(/\|/g, '\\|')}\` ${f(e.ms)} ms`);
  const agentVsProxy = median(marksSpan('proxyStarted', 'agentStarted'));
  const { applied, proposals } = findings(report);

  const lines = [
    '## Start-up',
    '',
    ...INTRO,
    '',
    `Machine: ${report.machine}; Docker Engine ${report.versions.engine}, Compose ${report.versions.compose}; measured ${new Date().toISOString().slice(0, 10)}. ${rounds.length} rounds (+1 warm-up), whole bench ${Math.round(report.benchSeconds)} s.${cold > 0 ? ` **${cold} round(s) rebuilt an image** (the source changed during the run): those starts are not warm.` : ''}`,
    '',
    '| measure (ms) | median | p90 | min | max | |',
    '| --- | --- | --- | --- | --- | --- |',
    row('**warm start → first proxied request**', first),
    row('warm start → `start --detach` returns (agent ready)', ready),
    row(
      'first request after return (exec + curl)',
      col((r) => r.start.firstMs - r.start.readyMs),
      `curl's own time_total: median ${f(median(col((r) => r.start.curlMs)))}; a second request right after: ${f(median(col((r) => r.start.curl2Ms)))}`,
    ),
    row('`stop`', stop),
    row('floor: `docker compose up -d`, 3 idle services, `depends_on` on the agent', floorUp),
    row('floor: the same without `depends_on` (3 containers started together)', floorFlatUp),
    row('floor: `docker compose down` (with `depends_on`)', floorDown),
    row('floor: bare `docker run --rm <image> true`', bare),
    '',
    ...coldTable(report, median(first)),
    '| ratio (per round, paired) | median | p90 | target | |',
    '| --- | --- | --- | --- | --- |',
    `| warm start → first request | ${s(median(first))} | ${s(p90(first))} | ≤ 2.5 s | ${metAbs ? 'met' : '**missed**'} |`,
    ratioRow(
      'warm start → first request / floor up',
      firstOverFloor,
      '≤ 2×',
      metRatio ? 'met' : '**missed**',
    ),
    ratioRow(
      'warm start → first request / floor up without `depends_on`',
      ratio(first, floorFlatUp),
    ),
    ratioRow('warm start → ready / floor up', ratio(ready, floorUp)),
    ratioRow('stop / floor down', ratio(stop, floorDown)),
    ratioRow('floor up / bare run', ratio(floorUp, bare)),
    '',
    '### Where the time goes',
    '',
    "Each start is cut into consecutive phases by the launcher's own progress lines (timestamped as",
    "they are written), the engine's events (network/container create and start, the ready-check",
    'exec), the ready file\'s mtime inside the agent and the proxy\'s "listening" log line. Medians',
    'per phase (they need not add up to the median total).',
    '',
    '| phase | median ms | share of median total |',
    '| --- | --- | --- |',
    ...PHASES.map(
      (p, i) =>
        `| ${p.name} | ${f(phaseMedians[i]!)} | ${Math.round((phaseMedians[i]! / median(first)) * 100)} % |`,
    ),
    `| **total: start → first request** | ${f(median(first))} | |`,
    '',
    'Alongside (overlapping the phases above):',
    '',
    `- \`docker compose up\` from invocation to exit (≈ the launcher's ready exec): median ${f(median(marksSpan('composeUpInvoked', 'firstPoll')))} ms, vs ${f(median(floorFlatUp))} ms for the floor without \`depends_on\`.`,
    `- the agent container starts ${f(Math.abs(agentVsProxy))} ms ${agentVsProxy < 0 ? 'before' : 'after'} the proxy's (median); agent container start → ready file: median ${f(median(marksSpan('agentStarted', 'readyFile')))} ms.`,
    `- launcher pieces timed alone in this process (median of 5): CA generation ${f(micro.caMs)} ms; content hash of the 4 recipes ${f(micro.hashSerialMs)} ms serial / ${f(micro.hashMs)} ms parallel; \`imageExists\` × 4 ${f(micro.existsMs)} ms; manifest load ${f(micro.manifestMs)} ms; spawning \`docker compose version\` ${f(micro.composeCliMs)} ms, \`docker version\` ${f(micro.dockerCliMs)} ms.`,
    micro.cliProcessMs === undefined
      ? '- CLI process: dist/ is not built, so `node bin/claude-bottle.js --version` was not timed.'
      : `- CLI process: \`node bin/claude-bottle.js --version\` takes ${f(micro.cliProcessMs)} ms (\`node -e 0\`: ${f(micro.nodeMs)} ms); \`start\` up to its manifest lookup: ${f(micro.startModulesMs ?? NaN)} ms (through the tsc output: ${f(micro.startCompiledMs ?? NaN)} ms). A user running the binary pays this on top of the in-process figures.`,
    `- the entrypoint alone (\`docker run\` of the agent image, same caps and CA mount, traced with \`set -x\`, no proxy wait): ${f(epTotal)} ms; slowest steps: ${epTop.join('; ')}.`,
    `- \`stop\`: containers died at (median ms after invocation) ${services.map((svc) => `${svc} ${f(median(col((r) => r.stop.dieAt[svc] ?? NaN)))}`).join(', ')}; SIGKILLed after the grace period: ${killed.size === 0 ? 'none' : [...killed].map(([k, c]) => `${k} (${c}/${rounds.length} rounds)`).join(', ')}.`,
    '',
    '### Applied (in the launcher and images; effect as measured in this run)',
    '',
    ...(applied.length > 0 ? applied.map((a) => `- ${a}`) : ['- none detected in this run']),
    '',
    '### Proposals (launcher and images; not made by the bench)',
    '',
    ...(proposals.length > 0
      ? proposals.map((p, i) => `${i + 1}. ${p}`)
      : ['None: nothing this run measured points at a further change.']),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

const COLD_KIND = {
  bottle:
    '**cold start, a new bottle**: the agent, egress-proxy and supervise images removed, the base kept (it is shared by every bottle)',
  machine:
    "**cold start, a new machine**: those and the base removed (the OS image `debian:trixie-slim` kept); the base's `apt-get` fetches from Debian's mirror",
} as const;

/** One start per kind with the images removed first (cold.ts); compared with the warm median. */
function coldTable(report: StartReport, warmFirst: number): string[] {
  if (report.cold.length === 0) return [];
  const rows = report.cold.map((c) => {
    if (!c.start) return `| ${COLD_KIND[c.kind]} | – | – | – | not measured: ${c.skipped ?? '?'} |`;
    const builds = c.start.builds
      .map((b) => `${b.tag.split(':')[0]!.replace(/^claude-bottle\//, '') || b.tag} ${s(b.ms)}`)
      .join(', ');
    return `| ${COLD_KIND[c.kind]} | ${s(c.start.firstMs)} | ${s(c.start.readyMs)} | ${x(c.start.firstMs / warmFirst)} | built: ${builds || 'nothing (a cached image was found)'} |`;
  });
  return [
    'Cold starts (one each, after the warm-up, before the warm rounds; `start --detach` builds what is missing, with the progress a user sees, then the same first proxied request):',
    '',
    "| cold start | → first proxied request | → `start` returns | / warm median | images built (the launcher's own build time each) |",
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

/** Replaces the "## Start-up" section of the file (or appends it), keeping every other section. */
export async function writeStartSection(file: string, report: StartReport): Promise<void> {
  const section = renderStartSection(report);
  await replaceSection(file, 'Start-up', section);
  process.stdout.write(section);
}
