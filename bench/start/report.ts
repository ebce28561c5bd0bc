// Statistics and the "## Start-up" section of docs/benchmarks.md for `npm run bench:start`.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

export interface StartSample {
  /** `start --detach` invoked → the CLI returned (the launcher's ready wait passed). */
  readyMs: number;
  /** `start --detach` invoked → the agent's first proxied request answered 200. */
  firstMs: number;
  /** curl's own time_total for that request, and for the one right after it. */
  curlMs: number;
  curl2Ms: number;
  attempts: number;
  /** False when the launcher built an image in this start (then it was not a warm start). */
  warm: boolean;
  /** ms since the invocation, see startMarks in run.ts. */
  marks: Record<string, number>;
}

export interface StopSample {
  ms: number;
  /** service → ms after `stop` was invoked when its container died. */
  dieAt: Record<string, number>;
  /** Services compose had to SIGKILL after the grace period. */
  killed: string[];
}

/** `docker compose up` of a stopped bottle's compose file → ready file → first request; down. */
export interface WhatIfSample {
  upMs: number;
  /** The egress-proxy's "listening" log line. */
  proxyListeningMs: number;
  readyMs: number;
  firstMs: number;
  downMs: number;
}

export interface RoundSample {
  start: StartSample;
  stop: StopSample;
  floorUp: number;
  floorDown: number;
  /** The floor without depends_on (all three containers started in parallel). */
  floorFlatUp: number;
  bare: number;
  whatIfAsIs?: WhatIfSample;
  whatIfProposed?: WhatIfSample;
}

export interface Micro {
  /** `node -e 0`: the runtime's own start-up, for the CLI process figure. */
  nodeMs: number;
  caMs: number;
  hashMs: number;
  hashSerialMs: number;
  existsMs: number;
  manifestMs: number;
  composeCliMs: number;
  dockerCliMs: number;
  cliProcessMs: number | undefined;
}

export interface EntrypointStep {
  step: string;
  ms: number;
}

export interface StartReport {
  rounds: RoundSample[];
  micro: Micro;
  entrypoint: EntrypointStep[];
  versions: { engine: string; compose: string };
  machine: string;
  benchSeconds: number;
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank p90 (with 5 samples it is the largest). */
export function p90(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
}

function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Per-command durations from a `set -x` trace whose PS4 is "+ $EPOCHREALTIME ". */
export function entrypointProfile(trace: string): EntrypointStep[] {
  const lines = trace
    .split('\n')
    .map((line) => /^(\++) (\d+\.\d+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ t: Number(m[2]) * 1000, cmd: m[3]!.slice(0, 70) }));
  const steps: EntrypointStep[] = [];
  for (let i = 0; i + 1 < lines.length; i++)
    steps.push({ step: lines[i]!.cmd, ms: lines[i + 1]!.t - lines[i]!.t });
  if (lines.length > 1) steps.push({ step: 'TOTAL', ms: lines.at(-1)!.t - lines[0]!.t });
  return steps;
}

const f = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)}` : '–');
const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const s = (value: number): string => `${(value / 1000).toFixed(2)} s`;

/** The sequential phases of one start, from the marks (each ends where the next begins). */
export const PHASES: { name: string; from: string; to: string }[] = [
  {
    name: 'CLI: engine ping, manifest load + validation, secrets, slug, metadata.json',
    from: '',
    to: 'state',
  },
  {
    name: 'state prep (live-config, CA key pair, token, MCP config) + base image hash/exists',
    from: 'state',
    to: 'imageBase',
  },
  { name: 'agent image: hash + exists', from: 'imageBase', to: 'imageAgent' },
  { name: 'egress-proxy image: hash + exists', from: 'imageAgent', to: 'imageEgressProxy' },
  { name: 'supervise image: hash + exists', from: 'imageEgressProxy', to: 'imageSupervise' },
  {
    name: 'render + write docker-compose.yml, metadata',
    from: 'imageSupervise',
    to: 'composeUpInvoked',
  },
  {
    name: '`docker compose up` CLI start → first network created',
    from: 'composeUpInvoked',
    to: 'firstNetworkCreated',
  },
  {
    name: 'networks (internal, egress) + volume → first container created',
    from: 'firstNetworkCreated',
    to: 'firstContainerCreated',
  },
  {
    name: 'containers created + started (proxy, supervise, then agent: depends_on)',
    from: 'firstContainerCreated',
    to: 'agentStarted',
  },
  { name: 'agent entrypoint → ready file', from: 'agentStarted', to: 'readyFile' },
  {
    name: 'ready file → launcher sees it (100 ms poll via exec) and returns',
    from: 'readyFile',
    to: 'returned',
  },
  {
    name: 'first proxied request after return (exec + curl via proxy)',
    from: 'returned',
    to: 'firstRequest',
  },
];

export function phaseDurations(marks: Record<string, number>): number[] {
  return PHASES.map((p) => (marks[p.to] ?? NaN) - (p.from ? (marks[p.from] ?? NaN) : 0));
}

export function renderStartSection(report: StartReport): string {
  const { rounds, micro } = report;
  const col = (pick: (r: RoundSample) => number) => rounds.map(pick);
  const row = (name: string, values: number[], note = '') =>
    `| ${name} | ${f(median(values))} | ${f(p90(values))} | ${f(Math.min(...values))} | ${f(Math.max(...values))} | ${note} |`;
  const ready = col((r) => r.start.readyMs);
  const first = col((r) => r.start.firstMs);
  const floorUp = col((r) => r.floorUp);
  const floorDown = col((r) => r.floorDown);
  const stop = col((r) => r.stop.ms);
  const bare = col((r) => r.bare);
  const ratio = (a: number[], b: number[]) => a.map((v, i) => v / b[i]!);
  const firstOverFloor = ratio(first, floorUp);
  const readyOverFloor = ratio(ready, floorUp);
  const stopOverFloor = ratio(stop, floorDown);
  const cold = rounds.filter((r) => !r.start.warm).length;
  const metAbs = median(first) <= 2500;
  const metRatio = median(firstOverFloor) <= 2;
  const phases = rounds.map((r) => phaseDurations(r.start.marks));
  const phaseMedians = PHASES.map((_, i) => median(phases.map((p) => p[i]!)));
  const marks = (key: string) => rounds.map((r) => r.start.marks[key] ?? NaN);
  const composeUpMs = rounds.map(
    (r) => (r.start.marks.firstPoll ?? NaN) - (r.start.marks.composeUpInvoked ?? NaN),
  );
  const proxyBoot = rounds.map(
    (r) => (r.start.marks.proxyListening ?? NaN) - (r.start.marks.proxyStarted ?? NaN),
  );
  const entrypointInBottle = rounds.map(
    (r) => (r.start.marks.readyFile ?? NaN) - (r.start.marks.agentStarted ?? NaN),
  );
  const services = ['agent', 'egress-proxy', 'supervise'];
  const killed = new Map<string, number>();
  for (const r of rounds) for (const k of r.stop.killed) killed.set(k, (killed.get(k) ?? 0) + 1);
  const epTotal = report.entrypoint.find((e) => e.step === 'TOTAL')?.ms ?? NaN;
  const epTop = report.entrypoint
    .filter((e) => e.step !== 'TOTAL')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 6);

  const lines = [
    '## Start-up',
    '',
    'Command: `npm run bench:start` (bench/start/run.ts). The CLI runs **in-process** (`runCli` from',
    'launcher/cli.ts, as the e2e tests drive it), so Node start-up and module loading of the',
    '`claude-bottle` binary are not in the start figures; they are measured apart below',
    '("CLI process"). One temp `CLAUDE_BOTTLE_HOME` with a scripted agent (provider `none`), a',
    'bottle with one secret and one route (`api.example.test`, `private: true`, injected',
    '`Authorization`), no git remotes, so a bottle is **three services**: agent, egress-proxy,',
    'supervise (no git-gate); no `--repo` (empty workspace). The upstream is a local HTTPS container',
    "that joins each bottle's egress network as `api.example.test` when compose creates it (docker",
    'events). A warm-up round (not counted) builds any image whose content hash is new and checks',
    'that the upstream receives the injected credential.',
    '',
    'Per round, interleaved and in alternating order: **warm start** = `start <agent> --detach` until',
    "the agent's first proxied request answers 200 (after `start` returns, the harness runs",
    "`curl https://api.example.test/hello` in the agent container as the agent uid via the engine's",
    'exec API, retrying until 200); **stop** = `stop <slug>`; **floor** = `docker compose up -d` of',
    'a compose file with the same three services, the same images, the same two networks',
    '(`internal: true` + `egress`) and `depends_on`, each running an idle `sleep` (then',
    '`docker compose down --timeout 5`), and a bare `docker run --rm <base image> true`.',
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
    row('floor: `docker compose up -d`, 3 idle services', floorUp),
    row('floor: `docker compose down` of it', floorDown),
    row(
      'floor without `depends_on` (3 containers started in parallel)',
      col((r) => r.floorFlatUp),
    ),
    row('floor: bare `docker run --rm <image> true`', bare),
    '',
    '| ratio (per round, paired) | median | p90 | target | |',
    '| --- | --- | --- | --- | --- |',
    `| warm start → first request | ${s(median(first))} | ${s(p90(first))} | ≤ 2.5 s | ${metAbs ? 'met' : '**missed**'} |`,
    `| warm start → first request / floor up | ${x(median(firstOverFloor))} | ${x(p90(firstOverFloor))} | ≤ 2× | ${metRatio ? 'met' : '**missed**'} |`,
    `| warm start → ready / floor up | ${x(median(readyOverFloor))} | ${x(p90(readyOverFloor))} | | |`,
    `| stop / floor down | ${x(median(stopOverFloor))} | ${x(p90(stopOverFloor))} | | |`,
    `| floor up / bare run | ${x(median(ratio(floorUp, bare)))} | ${x(p90(ratio(floorUp, bare)))} | | |`,
    '',
    '### Where the time goes',
    '',
    "Each start is cut into consecutive phases by the launcher's own progress lines (timestamped as",
    "they are written), the engine's events (network/container create and start, the ready-check",
    'execs), the ready file\'s mtime inside the agent and the proxy\'s "listening" log line. Medians',
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
    `- \`docker compose up\` from invocation to exit (≈ the launcher's first ready poll): median ${f(median(composeUpMs))} ms, vs ${f(median(floorUp))} ms for the floor.`,
    `- egress-proxy container start → its "listening" log line: median ${f(median(proxyBoot))} ms; the agent container starts ${f(median(rounds.map((r) => (r.start.marks.agentStarted ?? NaN) - (r.start.marks.proxyStarted ?? NaN))))} ms after the proxy's.`,
    `- agent entrypoint in the bottle (container start → ready file): median ${f(median(entrypointInBottle))} ms; the launcher polled ${f(median(marks('polls')))} times (median).`,
    `- launcher pieces timed alone in this process (median of 5): CA generation ${f(micro.caMs)} ms; content hash of the 4 recipes ${f(micro.hashSerialMs)} ms serial / ${f(micro.hashMs)} ms parallel; \`imageExists\` × 4 ${f(micro.existsMs)} ms; manifest load ${f(micro.manifestMs)} ms; spawning \`docker compose version\` ${f(micro.composeCliMs)} ms, \`docker version\` ${f(micro.dockerCliMs)} ms.`,
    micro.cliProcessMs === undefined
      ? '- CLI process: dist/ is not built, so `node bin/claude-bottle.js --version` was not timed.'
      : `- CLI process: \`node bin/claude-bottle.js --version\` (loads the whole compiled command graph, then exits) takes ${f(micro.cliProcessMs)} ms; a user running the binary pays this on top of the in-process figures.`,
    `- the entrypoint alone (\`docker run\` of the agent image, same caps and CA mount, traced with \`set -x\`, no proxy wait): ${f(epTotal)} ms; slowest steps: ${epTop.map((e) => `\`${e.step.replace(/`/g, "'").replace(/\|/g, '\\|')}\` ${f(e.ms)} ms`).join('; ')}.`,
    `- \`stop\`: containers died at (median ms after invocation) ${services.map((svc) => `${svc} ${f(median(rounds.map((r) => r.stop.dieAt[svc] ?? NaN)))}`).join(', ')}; SIGKILLed after the grace period: ${killed.size === 0 ? 'none' : [...killed].map(([k, n]) => `${k} (${n}/${rounds.length} rounds)`).join(', ')}.`,
    '',
  ];
  const asIs = rounds.flatMap((r) => (r.whatIfAsIs ? [r.whatIfAsIs] : []));
  const proposed = rounds.flatMap((r) => (r.whatIfProposed ? [r.whatIfProposed] : []));
  const launcherOwn = median(marks('composeUpInvoked'));
  const projected = launcherOwn + median(proposed.map((w) => w.firstMs));
  const updateCa = report.entrypoint.find((e) => e.step.startsWith('update-ca-certificates'));
  const cliExtra = (micro.cliProcessMs ?? NaN) - micro.nodeMs;
  if (asIs.length > 0 && proposed.length > 0) {
    const w = (pick: (v: WhatIfSample) => number) =>
      `${f(median(asIs.map(pick)))} | ${f(median(proposed.map(pick)))}`;
    lines.push(
      '### What-if: the proposed changes, measured',
      '',
      "Not the launcher: after each round's `stop`, the harness runs `docker compose up -d` of that",
      "bottle's own docker-compose.yml twice (order alternating), once as the launcher wrote it and",
      'once with the proposals applied: no `depends_on` on the agent, `stop_signal: SIGHUP`, and',
      'the entrypoint with its `update-ca-certificates` line replaced by appending the CA to the',
      'bundle plus one hash link (a bind-mounted copy of images/agent/entrypoint.sh). Both wait',
      'for the ready file with one blocking exec (no 100 ms poll), then make the first request.',
      '',
      '| ms from `docker compose up -d` (median) | as written | proposed |',
      '| --- | --- | --- |',
      `| compose up returns | ${w((v) => v.upMs)} |`,
      `| egress-proxy logs "listening" | ${w((v) => v.proxyListeningMs)} |`,
      `| ready file seen | ${w((v) => v.readyMs)} |`,
      `| first proxied request | ${w((v) => v.firstMs)} |`,
      `| \`docker compose down\` (what \`stop\` runs) | ${w((v) => v.downMs)} |`,
      '',
      `Projected warm start with the proposals: launcher work before compose (median ${f(launcherOwn)} ms) + the proposed column's first request = **${s(projected)}**, ${x(projected / median(floorUp))} the floor (target ≤ 2.5 s, ≤ 2×).`,
      '',
    );
  }
  lines.push(
    '### Proposals (launcher and images; not made by the bench)',
    '',
    `1. **Entrypoint CA install** (images/agent/entrypoint.sh): \`update-ca-certificates\` rehashes every certificate in /etc/ssl/certs and takes ${f(updateCa?.ms ?? NaN)} ms of the entrypoint's ${f(epTotal)} ms. Append the bottle CA to /etc/ssl/certs/ca-certificates.crt and add its \`<hash>.0\` link instead (\`SSL_CERT_FILE\`/\`REQUESTS_CA_BUNDLE\` already point at that bundle; \`NODE_EXTRA_CA_CERTS\` at the CA): about 15 ms.`,
    `2. **No \`depends_on\` for the agent** (launcher/plan/compose-file.ts): the entrypoint already waits for the proxy port, so compose can create and start all three containers at once: the floor goes from ${f(median(floorUp))} to ${f(median(col((r) => r.floorFlatUp)))} ms without it; in the bottle the agent now starts ${f(median(rounds.map((r) => (r.start.marks.agentStarted ?? NaN) - (r.start.marks.proxyStarted ?? NaN))))} ms after the proxy.`,
    `3. **Ready wait** (launcher/wait-ready.ts): ready file → \`start\` returns is ${f(phaseMedians[10]!)} ms (100 ms poll, one exec each). One exec that blocks in the container (\`while [ ! -f /run/claude-bottle-agent-ready ]; do sleep 0.01; done\`, under the same deadline, re-checking the container state when it ends) answers within ~10 ms.`,
    `4. **\`stop\` waits out the grace period** (compose-file.ts): the agent is SIGKILLed after 5 s in ${killed.get('agent') ?? 0}/${rounds.length} rounds: an interactive \`bash -l\` (provider none) ignores SIGTERM, and a Node CLI as PID 1 has no default SIGTERM action. \`stop_signal: SIGHUP\` plus \`init: true\` on the agent service: \`stop\` ${f(median(stop))} ms → about the floor's ${f(median(floorDown))} ms (the what-if's proposed column).`,
    `5. **CLI process start-up** (launcher/commands/index.ts, bin/): \`node bin/claude-bottle.js --version\` takes ${f(micro.cliProcessMs ?? NaN)} ms against ${f(micro.nodeMs)} ms for \`node -e 0\`, i.e. ~${f(cliExtra)} ms of module loading before any command runs, paid on every \`start\` and \`stop\` a user types (and not in the in-process figures above). Import each command's module lazily (the MCP SDK, chokidar and blessed are not needed by \`start\`), and ship the CLI as one esbuild bundle as scripts/bundle.mjs already does for the sidecars.`,
    `6. **First request** (images/egress-proxy): curl's first request takes ${f(median(col((r) => r.start.curlMs)))} ms, the next ${f(median(col((r) => r.start.curl2Ms)))} ms; both are fresh curl processes on fresh connections, so the difference is the proxy's first-time work for the host (minting its leaf certificate, first upstream lookup and handshake). Minting leaf certificates for the listed route hosts in the background right after "listening" would take the first part off the agent's first request.`,
    `7. **Then the proxy's boot is the critical path** (images/egress-proxy): in the bottle it logs "listening" ${f(median(proxyBoot))} ms after its container starts (bench:proxy measures ~235 ms on an idle machine), because the Node sidecars and the agent's set-up start together on ${report.machine.split(' ')[0]} cores. With proposals 1–3 the agent's ready file follows the proxy's "listening"${proposed.length > 0 ? ` (what-if: listening at ${f(median(proposed.map((v) => v.proxyListeningMs)))} ms, ready file seen at ${f(median(proposed.map((v) => v.readyMs)))} ms)` : ''}. Parse less before listen: the bundle is ~1.9 MB and the base image's Node is 20.19 (no \`module.enableCompileCache\`, which needs 22.1); load the per-connection code (leaf minting, DLP) after the listener is up, minify the bundle.`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** Replaces the "## Start-up" section of the file (or appends it), keeping every other section. */
export async function writeStartSection(file: string, report: StartReport): Promise<void> {
  const section = renderStartSection(report);
  const current = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf('\n## Start-up');
  let next = start === -1 ? -1 : current.indexOf('\n## ', start + 1);
  if (next !== -1) next += 1;
  const updated =
    start === -1
      ? `${current.trimEnd()}\n\n${section}`
      : `${current.slice(0, start + 1)}${section}${next === -1 ? '' : `\n${current.slice(next)}`}`;
  await writeFile(file, updated);
  process.stdout.write(section);
}
