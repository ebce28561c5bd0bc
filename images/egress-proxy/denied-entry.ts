import { z } from 'zod';
import type { DecisionRecord } from './decision-log.js';

/**
 * One line of `denied.jsonl`: a request the proxy refused by policy, kept so the operator can
 * replay the agent's real blocked requests against a proposed routes.yaml. The one home of this
 * shape: the proxy writes it (denied-log.ts), the supervisor parses it.
 *
 * What a line never holds: headers, bodies, the query (neither names nor values) or the text a
 * DLP detector matched. The path is the decision line's: normalised, without the query, with
 * every detector match redacted, cut at DENIED_PATH_MAX characters.
 */
export const DeniedEntrySchema = z.looseObject({
  ts: z.string(),
  method: z.string(),
  host: z.string(),
  /** The destination port (443 for https, 80 for http unless the URL named another). */
  port: z.number().int().min(0).max(65535),
  path: z.string(),
  /** The refusal's reason code: no-route, git-push, private-address, dlp, bad-path … */
  reason: z.string(),
  /** The rules that named the host (`routes[2] (api.github.com)`), or `none`. */
  route: z.string(),
  status: z.number().int(),
  /** For `dlp`: which detector fired (never what it matched). */
  detector: z.string().optional(),
});

export type DeniedEntry = z.output<typeof DeniedEntrySchema>;

/** The file's name inside the proxy's denied folder (`state/<slug>/egress-proxy/denied/`). */
export const DENIED_LOG_FILE = 'denied.jsonl';

/**
 * The bound: the file is appended to until it would pass `maxLines` lines or `maxBytes` bytes,
 * then rewritten atomically with the newest `keepLines` entries (kept in memory).
 */
export const DENIED_LOG_LIMITS = {
  keepLines: 500,
  maxLines: 1000,
  maxBytes: 256 * 1024,
} as const;

/** Longer paths are cut (and end in "…"), so one line stays small. */
export const DENIED_PATH_MAX = 1024;

/**
 * The denied entry for a decision, or undefined when the decision is not a refusal by policy:
 * every `deny` (403, or a WebSocket closed with 1008) plus `bad-path` (a path the proxy will not
 * normalise). Errors (upstream down, timeouts, malformed requests) are not refusals.
 */
export function deniedEntryOf(record: DecisionRecord, ts: string): DeniedEntry | undefined {
  if (record.decision !== 'deny' && record.reason !== 'bad-path') return undefined;
  const path =
    record.path.length > DENIED_PATH_MAX
      ? `${record.path.slice(0, DENIED_PATH_MAX)}…`
      : record.path;
  return {
    ts,
    method: record.method,
    host: record.host,
    port: record.port ?? 0,
    path,
    reason: record.reason ?? 'unknown',
    route: record.route,
    status: record.status,
    ...(record.detector === undefined ? {} : { detector: record.detector }),
  };
}
