import {
  hostMatches,
  matchRoute,
  pathHasPrefix,
  routesForHost,
  type RequestTarget,
} from '../../images/egress-proxy/matcher.js';
import {
  HTTP_METHODS,
  type Route,
  type RoutesFile,
} from '../../images/egress-proxy/routes/schema.js';

/**
 * The live and the candidate routes compared through the proxy's own matcher: every host
 * pattern either file names, every path prefix on it (the prefix itself and a path below it,
 * plus `/` and a path no rule names) and every method is a probe request, and each probe's
 * fate in both files is compared. Matching is constant between the prefixes the files name, so
 * these probes see every difference first-match-wins can make, shadowing and reordering too.
 */

const PROBE_LABEL = 'cb-analysis-probe';
/** probes × rules matched: beyond this a hostile file is compared only in part. */
const WORK_BUDGET = 4_000_000;

export type ChangeKind = 'new-reach' | 'credential' | 'private' | 'passthrough' | 'dlp-off';

/** What changed for the probes one rule decides: which methods, on which of its prefixes. */
export interface RouteChange {
  kind: ChangeKind | 'removed';
  /** The deciding rule: in the candidate file, or for `removed` in the live one. */
  index: number;
  route: Route;
  methods: Set<string>;
  /**
   * The rule's prefixes the probes fell under; for a rule with no `paths`, the other file's
   * prefix the probe stood for, or `*` (any path).
   */
  paths: Set<string>;
  /** False once a probe's host is named by some live rule. */
  hostNew: boolean;
}

export interface RouteComparison {
  changes: RouteChange[];
  /** True when the files were too large to probe every combination. */
  partial: boolean;
}

export function compareRoutes(live: RoutesFile, candidate: RoutesFile): RouteComparison {
  const changes = new Map<string, RouteChange>();
  const rules = Math.max(1, live.routes.length + candidate.routes.length);
  let budget = Math.floor(WORK_BUDGET / rules);
  let partial = false;
  for (const probe of probes(live, candidate)) {
    if (budget-- <= 0) {
      partial = true;
      break;
    }
    const before = matchRoute(live, probe);
    const after = matchRoute(candidate, probe);
    const hostNew = routesForHost(live, probe.host, probe.port).length === 0;
    const note = (kind: RouteChange['kind'], index: number, route: Route) => {
      const key = `${kind}:${index}`;
      let change = changes.get(key);
      if (!change) {
        change = { kind, index, route, methods: new Set(), paths: new Set(), hostNew: true };
        changes.set(key, change);
      }
      change.methods.add(probe.method);
      change.paths.add(
        route.paths?.find((prefix) => pathHasPrefix(probe.path, prefix)) ?? region(probe.path),
      );
      change.hostNew &&= hostNew;
    };
    if (before.allowed && !after.allowed) note('removed', before.index, before.route);
    if (!after.allowed) continue;
    const was = before.allowed ? before.route : undefined;
    const route = after.route;
    if (!was) note('new-reach', after.index, route);
    if (route.auth && !(was?.auth && sameAuth(was.auth, route.auth)))
      note('credential', after.index, route);
    if (route.private && !was?.private) note('private', after.index, route);
    if (route.tls === 'passthrough' && was?.tls !== 'passthrough')
      note('passthrough', after.index, route);
    if (!route.dlp && (was === undefined || was.dlp)) note('dlp-off', after.index, route);
  }
  return { changes: [...changes.values()], partial };
}

/** What a probe path stands for under a rule with no `paths`. */
function region(path: string): string {
  if (path === '/' || path === `/${PROBE_LABEL}`) return '*';
  return path.endsWith(`/${PROBE_LABEL}`) ? path.slice(0, -PROBE_LABEL.length) : path;
}

function sameAuth(a: NonNullable<Route['auth']>, b: NonNullable<Route['auth']>): boolean {
  return (
    a.secret === b.secret &&
    a.header.toLowerCase() === b.header.toLowerCase() &&
    (a.scheme ?? '') === (b.scheme ?? '')
  );
}

/** One probe host for a pattern: itself, or a made-up name below a wildcard. */
export function probeHost(pattern: string): { host: string; port: number } {
  let name = pattern;
  let port = 443;
  const withPort = /^(.*):(\d+)$/.exec(pattern);
  if (withPort && !pattern.endsWith(']')) {
    name = withPort[1]!;
    port = Number(withPort[2]);
  }
  if (name.startsWith('[')) name = name.slice(1, -1);
  if (name.startsWith('*.')) name = `${PROBE_LABEL}${name.slice(1)}`;
  return { host: name, port };
}

function* probes(live: RoutesFile, candidate: RoutesFile): Generator<RequestTarget> {
  const all = [...live.routes, ...candidate.routes];
  const hosts = new Map<string, { host: string; port: number }>();
  for (const route of all) {
    const target = probeHost(route.host);
    hosts.set(`${target.host}:${target.port}`, target);
  }
  for (const { host, port } of hosts.values()) {
    const paths = new Set(['/', `/${PROBE_LABEL}`]);
    for (const route of all) {
      if (!route.paths || !hostMatches(route.host, host, port)) continue;
      for (const prefix of route.paths) {
        paths.add(prefix);
        paths.add(prefix.endsWith('/') ? `${prefix}${PROBE_LABEL}` : `${prefix}/${PROBE_LABEL}`);
      }
    }
    for (const path of paths) for (const method of HTTP_METHODS) yield { host, port, path, method };
  }
}
