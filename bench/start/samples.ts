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
  /** A fresh `node` importing only the modules `start` loads on use (see START_MODULES). */
  startModulesMs: number | undefined;
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
  micro: Micro;
  entrypoint: EntrypointTrace;
  agentService: AgentService;
  versions: { engine: string; compose: string };
  machine: string;
  benchSeconds: number;
}
