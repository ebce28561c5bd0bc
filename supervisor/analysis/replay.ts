import type { DeniedEntry } from '../../images/egress-proxy/denied-entry.js';
import { encodedWildcardHost } from '../../images/egress-proxy/host-labels.js';
import { matchRoute, routesForHost } from '../../images/egress-proxy/matcher.js';
import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import type { RoutesFile } from '../../images/egress-proxy/routes/schema.js';
import { approvedRoutes } from '../grants/routes.js';
import type { DeniedLogRead } from './replay-log.js';

/**
 * Replay: the agent's real refused requests (the proxy's denied log) judged against the live
 * routes and a proposed routes.yaml with the proxy's own parser and matcher, so the operator
 * sees before approving which of them the proposal would let through and which it would not.
 */

/** One distinct refused request (method, host, port, path) and how often it was refused. */
export interface ReplayRequest {
  method: string;
  host: string;
  port: number;
  path: string;
  /** Why it was refused (each reason is its own entry). */
  reason: string;
  refusals: number;
  /** When it was last refused (the proxy's timestamp). */
  last: string;
}

export interface Replay {
  /** Distinct refused requests in the log. */
  requests: number;
  /** Refused by the live routes (or their DLP), admitted by the proposed ones. */
  unblocked: ReplayRequest[];
  /** The proposed routes refuse them too. */
  still_blocked: ReplayRequest[];
  /** The live routes admit them already (a rule was added after the refusal). */
  already_admitted: ReplayRequest[];
  /** Refused for a reason no routes.yaml changes: git-push, bad-path, cleartext; dlp while on. */
  not_routes: ReplayRequest[];
  /** Lines of the denied log that are not an entry: skipped, counted. */
  skipped_lines: number;
  /** Why the replay is incomplete (the log or the live routes unreadable, the proposal invalid). */
  problem?: string;
}

/**
 * Reasons whose outcome the routes decide: `no-route` (which rule matches) and
 * `private-address` (whether the matching rule says private: true). The others are refused
 * whatever the routes say — `git-push`, `cleartext`, `bad-path`, `dlp`, `encoded-body` — or,
 * for `encoded-host`, logged with the name withheld, so there is nothing to match again.
 */
const ROUTES_REASONS = new Set(['no-route', 'private-address']);

/**
 * Refused by the DLP scan, which a rule's `dlp: false` turns off for bodies. The log does not
 * say whether a body or a header was flagged, so a proposal that turns DLP off on the rule
 * that matches counts as unblocking them: the wider claim, never the reassuring one.
 */
const DLP_REASONS = new Set(['dlp', 'encoded-body']);

/** Replays the denied log against the live and the proposed routes.yaml. Never throws. */
export function replayDenied(
  candidateText: string,
  liveText: string | undefined,
  denied: DeniedLogRead,
  now: number = Date.now(),
): Replay {
  const problems = denied.problem ? [denied.problem] : [];
  const replay: Replay = {
    requests: 0,
    unblocked: [],
    still_blocked: [],
    already_admitted: [],
    not_routes: [],
    skipped_lines: denied.skipped,
  };
  const candidate = parseRoutes(candidateText, 'proposed routes.yaml');
  if (!candidate.ok) {
    problems.push('the proposed routes.yaml does not parse: nothing was replayed');
    return { ...replay, problem: problems.join('; ') };
  }
  let live: RoutesFile = { routes: [] };
  const parsedLive = liveText === undefined ? undefined : parseRoutes(liveText, 'live routes.yaml');
  if (parsedLive?.ok) live = parsedLive.routes;
  else if (liveText === undefined || liveText.trim() !== '')
    problems.push('the live routes.yaml could not be read: every request is judged as refused now');
  // What approving would apply (a grant the agent wrote is stripped, a live one kept), not the
  // proposal as written: an agent-made expired grant must not hide a rule from the replay.
  const proposed = retryRoutes(approvedRoutes(liveText, candidateText) ?? candidate.routes, now);
  live = retryRoutes(live, now);
  const requests = distinctRequests(denied.entries);
  replay.requests = requests.length;
  for (const request of requests) {
    if (DLP_REASONS.has(request.reason)) {
      if (dlpOff(proposed, request) && !dlpOff(live, request)) replay.unblocked.push(request);
      else replay.not_routes.push(request);
      continue;
    }
    if (!ROUTES_REASONS.has(request.reason)) {
      replay.not_routes.push(request);
      continue;
    }
    if (!routesAdmit(proposed, request)) replay.still_blocked.push(request);
    else if (routesAdmit(live, request)) replay.already_admitted.push(request);
    else replay.unblocked.push(request);
  }
  return problems.length > 0 ? { ...replay, problem: problems.join('; ') } : replay;
}

/**
 * Would these routes let the request past the checks that routes decide, as the proxy judges
 * them: the rule match (matcher.ts), the encoded-name check on a wildcard rule (host-labels.ts)
 * and, for a request refused for its private address, the rule's `private: true`. A CONNECT
 * is judged as the proxy does: on the first rule naming the host, which must be passthrough.
 */
export function routesAdmit(routes: RoutesFile, request: ReplayRequest): boolean {
  const { host, port } = request;
  const needsPrivate = request.reason === 'private-address';
  if (request.method === 'CONNECT') {
    const first = routesForHost(routes, host, port)[0];
    if (first?.route.tls !== 'passthrough') return false;
    if (encodedWildcardHost(routes, first.route, host, port)) return false;
    return !needsPrivate || first.route.private === true;
  }
  const match = matchRoute(routes, { host, port, path: request.path, method: request.method });
  if (!match.allowed) return false;
  if (encodedWildcardHost(routes, match.route, host, port)) return false;
  // The log keeps no scheme: port 80 is taken as http://, where a credential is never injected.
  if (match.route.auth && port === 80) return false;
  return !needsPrivate || match.route.private === true;
}

/**
 * The rules a retry would meet: a time-boxed rule past its deadline and a once-rule (its one
 * use may be spent already; the log cannot say) are left out.
 */
function retryRoutes(routes: RoutesFile, now: number): RoutesFile {
  return {
    routes: routes.routes.filter(
      (route) =>
        !route.grant ||
        (route.grant.uses === undefined &&
          (route.grant.expires_at === undefined || Date.parse(route.grant.expires_at) > now)),
    ),
  };
}

function dlpOff(routes: RoutesFile, request: ReplayRequest): boolean {
  const match = matchRoute(routes, { ...request });
  return match.allowed && !match.route.dlp;
}

/**
 * One per (method, host, port, path, reason), newest refusal first. The reason is part of it:
 * the same request refused once for its route and once as a git push is two requests, so a
 * later refusal of another kind never hides the one a proposal would unblock.
 */
export function distinctRequests(entries: readonly DeniedEntry[]): ReplayRequest[] {
  const byKey = new Map<string, ReplayRequest>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.method, entry.host, entry.port, entry.path, entry.reason]);
    const known = byKey.get(key);
    if (known) {
      known.refusals++;
      if (entry.ts >= known.last) Object.assign(known, { last: entry.ts, reason: entry.reason });
      continue;
    }
    byKey.set(key, {
      method: entry.method,
      host: entry.host,
      port: entry.port,
      path: entry.path,
      reason: entry.reason,
      refusals: 1,
      last: entry.ts,
    });
  }
  return [...byKey.values()].sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0));
}

/** `GET api.example.test/v1/x`, with `:port` when it is not 80 or 443. Not yet terminal-safe. */
export function requestText(
  request: Pick<ReplayRequest, 'method' | 'host' | 'port' | 'path'>,
): string {
  const port = request.port === 443 || request.port === 80 ? '' : `:${request.port}`;
  const path = request.path === '-' ? '' : request.path;
  return `${request.method} ${request.host}${port}${path}`;
}
