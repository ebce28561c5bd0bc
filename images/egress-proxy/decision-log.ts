/** One request's outcome: the line written to stdout (never a secret value). */
export interface DecisionRecord {
  host: string;
  /** The destination port (absent on a request too malformed to have one). */
  port?: number;
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

/** Also told of every decision (the denied log keeps the refusals among them). */
export interface DecisionObserver {
  observe(record: DecisionRecord, ts: string): void;
}

/**
 * Writes one JSON line per decision: ts, host, port, method, path, route, decision, status, ms;
 * `observer` sees the same record and timestamp.
 */
export function createDecisionLog(
  sink: { write(line: string): unknown },
  now: () => number = () => performance.now(),
  observer?: DecisionObserver,
): DecisionLog {
  return {
    write(record, startedMs) {
      const ms = Math.round((now() - startedMs) * 100) / 100;
      const ts = new Date().toISOString();
      sink.write(`${JSON.stringify({ ts, ...record, ms })}\n`);
      observer?.observe(record, ts);
    },
  };
}
