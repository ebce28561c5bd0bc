// One start's timeline: marks (ms since `start` was invoked) from the launcher's progress lines,
// the engine's events, the ready file's mtime and the proxy's "listening" log line, and the
// consecutive phases they cut the start into.
import type Docker from 'dockerode';
import type { EngineEvent } from './engine.js';

/** A progress line the CLI wrote to stderr, with when it was written. */
export interface Line {
  t: number;
  line: string;
}

export function containerIdOf(events: EngineEvent[], project: string, service: string): string {
  const event = events
    .filter(
      (e) =>
        e.type === 'container' &&
        e.action === 'start' &&
        e.attributes['com.docker.compose.project'] === project &&
        e.attributes['com.docker.compose.service'] === service,
    )
    .at(-1);
  if (!event) throw new Error(`no ${service} container started in ${project}`);
  return event.id;
}

/** When a sidecar logged "listening" (its own timestamp), ms since the epoch. */
export async function listeningAt(
  engine: Docker,
  project: string,
  service: string,
): Promise<number | undefined> {
  const list = await engine.listContainers({
    filters: {
      label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
    },
  });
  if (!list[0]) return undefined;
  const logs = (
    await engine.getContainer(list[0].Id).logs({ stdout: true, stderr: true })
  ).toString('utf8');
  const match = /"ts":"([^"]+)"[^\n]*"event":"listening"/.exec(logs);
  return match ? Date.parse(match[1]!) : undefined;
}

export function startMarks(input: {
  t0: number;
  tReturn: number;
  tFirst: number;
  lines: Line[];
  events: EngineEvent[];
  project: string;
  readyFile: number;
  proxyListening: number | undefined;
}): Record<string, number> {
  const { t0, lines, project } = input;
  const at = (pattern: RegExp): number => {
    const found = lines.find((l) => pattern.test(l.line));
    return found ? found.t - t0 : NaN;
  };
  const mine = input.events.filter(
    (e) =>
      e.t >= t0 &&
      e.t <= input.tReturn + 1000 &&
      (e.attributes['com.docker.compose.project'] === project ||
        (e.type === 'network' && e.name.startsWith(`${project}-`))),
  );
  const first = (filter: (e: EngineEvent) => boolean): number => {
    const found = mine.find(filter);
    return found ? found.t - t0 : NaN;
  };
  const service = (e: EngineEvent) => e.attributes['com.docker.compose.service'];
  const started = (name: string) =>
    first((e) => e.type === 'container' && e.action === 'start' && service(e) === name);
  const pollExecs = mine.filter(
    (e) =>
      e.type === 'container' &&
      e.action.startsWith('exec_die') &&
      service(e) === 'agent' &&
      e.t <= input.tReturn,
  );
  return {
    state: at(/^==> state:/),
    imageBase: at(/^==> image claude-bottle\/base:/),
    imageAgent: at(/^==> image claude-bottle\/agent:/),
    imageEgressProxy: at(/^==> image claude-bottle\/egress-proxy:/),
    imageSupervise: at(/^==> image claude-bottle\/supervise:/),
    composeUpInvoked: at(/^==> starting /),
    firstNetworkCreated: first((e) => e.type === 'network' && e.action === 'create'),
    firstContainerCreated: first((e) => e.type === 'container' && e.action === 'create'),
    proxyStarted: started('egress-proxy'),
    superviseStarted: started('supervise'),
    agentStarted: started('agent'),
    proxyListening: input.proxyListening === undefined ? NaN : input.proxyListening - t0,
    readyFile: input.readyFile - t0,
    firstPoll: first(
      (e) => e.type === 'container' && e.action.startsWith('exec_create') && service(e) === 'agent',
    ),
    polls: pollExecs.length,
    lastPollDone: pollExecs.length > 0 ? pollExecs.at(-1)!.t - t0 : NaN,
    returned: input.tReturn - t0,
    firstRequest: input.tFirst - t0,
  };
}

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
    name: 'containers created → egress-proxy container started',
    from: 'firstContainerCreated',
    to: 'proxyStarted',
  },
  {
    name: 'egress-proxy boot: container start → "listening" (the agent entrypoint runs meanwhile)',
    from: 'proxyStarted',
    to: 'proxyListening',
  },
  {
    name: "proxy listening → agent's ready file (the entrypoint's proxy wait notices)",
    from: 'proxyListening',
    to: 'readyFile',
  },
  {
    name: 'ready file → the launcher sees it (one blocking exec) and returns',
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

/** marks[to] - marks[from] for one start. */
export function span(marks: Record<string, number>, from: string, to: string): number {
  return (marks[to] ?? NaN) - (marks[from] ?? NaN);
}
