/** One request's outcome: the line written to stdout (never a secret value). */
export interface DecisionRecord {
  host: string;
  method: string;
  path: string;
  route: string;
  decision: 'allow' | 'deny' | 'error' | 'tunnel';
  /** Why, as a short code: no-route, bad-path, git-push, dlp, private-address, upstream-down … */
  reason?: string;
  detector?: string;
  status: number;
}

export interface DecisionLog {
  write(record: DecisionRecord, startedMs: number): void;
}

/** Writes one JSON line per decision: ts, host, method, path, route, decision, status, ms. */
export function createDecisionLog(
  sink: { write(line: string): unknown },
  now: () => number = () => performance.now(),
): DecisionLog {
  return {
    write(record, startedMs) {
      const ms = Math.round((now() - startedMs) * 100) / 100;
      sink.write(`${JSON.stringify({ ts: new Date().toISOString(), ...record, ms })}\n`);
    },
  };
}
