// The shapes the start-up bench records: one round's samples, the micro-profile, the report.

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
  /** The images this start built, with the launcher's own "built <tag> in Ns" time. */
  builds: { tag: string; ms: number }[];
  /** ms since the invocation, see startMarks in marks.ts. */
  marks: Record<string, number>;
}

export interface StopSample {
  ms: number;
  /** service → ms after `stop` was invoked when its container died. */
  dieAt: Record<string, number>;
  /** Services compose had to SIGKILL after the grace period. */
  killed: string[];
}

export interface RoundSample {
  start: StartSample;
  stop: StopSample;
  floorUp: number;
  floorDown: number;
  /** The floor without depends_on (all three containers started in parallel, as the bottle does). */
  floorFlatUp: number;
  bare: number;
}

/**
 * A start with the bottle's images removed first: `bottle` removes the agent and sidecar images
 * (a new bottle, or a new claude-bottle version, on a machine that has the base), `machine` also
 * the base (the first start on a machine; the base's apt-get reaches Debian's mirror).
 */
export interface ColdSample {
  kind: 'bottle' | 'machine';
  start?: StartSample;
  /** Why this kind was not measured (e.g. other images are built on the base). */
  skipped?: string;
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
  /** `node bin/claude-bottle.js --version` (undefined when dist/ is not built). */
  cliProcessMs: number | undefined;
  /** `node bin/claude-bottle.js start <unknown agent>`: `start`'s code loaded, up to the manifest. */
  startModulesMs: number | undefined;
  /** The same through the tsc output (dist/launcher/cli.js), what the binary ran before the bundle. */
  startCompiledMs: number | undefined;
}

export interface EntrypointStep {
  step: string;
  ms: number;
}

export interface EntrypointTrace {
  steps: EntrypointStep[];
  /** `update-ca-certificates` timed alone in the same image (what the CA step used to run). */
  updateCaMs: number;
}

/** What the launcher's rendered agent service looks like (read from the bottle's compose file). */
export interface AgentService {
  dependsOn: boolean;
  init: boolean;
  stopSignal: string | undefined;
}

export interface StartReport {
  rounds: RoundSample[];
  cold: ColdSample[];
  micro: Micro;
  entrypoint: EntrypointTrace;
  agentService: AgentService;
  versions: { engine: string; compose: string };
  machine: string;
  benchSeconds: number;
}
