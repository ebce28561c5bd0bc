import type { Route } from '../../images/egress-proxy/routes/schema.js';

/**
 * What the live routes hold beyond (or short of) what the manifest would start: pure, on
 * routes already parsed by the proxy's own parser. A route is keyed by its host and its place
 * among that host's routes; a route that changed is "widened" when the live route allows a
 * superset (more methods, more or wider paths), "changed" otherwise (auth, tls, dlp, private,
 * or a narrowing).
 */
export type RouteChange = 'added' | 'removed' | 'widened' | 'changed';

export interface RouteDiffItem {
  kind: 'route';
  change: RouteChange;
  host: string;
  /** The route the manifest would start with (absent for an added route). */
  planned?: Route;
  /** The route live now (absent for a removed route). */
  live?: Route;
  /** One line for a human: what differs (methods, paths, auth by secret name — never a value). */
  detail: string;
}

export function diffRoutes(planned: readonly Route[], live: readonly Route[]): RouteDiffItem[] {
  const items: RouteDiffItem[] = [];
  // A host may have several routes (first match wins): they are paired in file order.
  const plannedOf = groupByHost(planned);
  const liveOf = groupByHost(live);
  const seen = new Map<string, number>();
  for (const route of live) {
    const index = seen.get(route.host) ?? 0;
    seen.set(route.host, index + 1);
    const before = plannedOf.get(route.host)?.[index];
    if (!before) {
      items.push({
        kind: 'route',
        change: 'added',
        host: route.host,
        live: route,
        detail: describeRoute(route),
      });
      continue;
    }
    const differences = routeDifferences(before, route);
    if (differences.length === 0) continue;
    items.push({
      kind: 'route',
      change: covers(route, before) ? 'widened' : 'changed',
      host: route.host,
      planned: before,
      live: route,
      detail: differences.join('; '),
    });
  }
  for (const [host, routes] of plannedOf) {
    for (const route of routes.slice(liveOf.get(host)?.length ?? 0))
      items.push({
        kind: 'route',
        change: 'removed',
        host,
        planned: route,
        detail: describeRoute(route),
      });
  }
  return items;
}

function groupByHost(routes: readonly Route[]): Map<string, Route[]> {
  const groups = new Map<string, Route[]>();
  for (const route of routes) groups.set(route.host, [...(groups.get(route.host) ?? []), route]);
  return groups;
}

/** `methods GET, POST; paths /a/ /b/; auth Authorization Bearer secret=gh`. */
export function describeRoute(route: Route): string {
  return [
    `methods ${route.methods?.join(', ') ?? 'any'}`,
    `paths ${route.paths?.join(' ') ?? 'any'}`,
    `auth ${describeAuth(route)}`,
    ...(route.tls === 'passthrough' ? ['tls passthrough'] : []),
    ...(route.private ? ['private'] : []),
    ...(route.dlp ? [] : ['dlp off']),
  ].join('; ');
}

function describeAuth(route: Route): string {
  const auth = route.auth;
  if (!auth) return 'none';
  return `${auth.header}${auth.scheme ? ` ${auth.scheme}` : ''} secret=${auth.secret}`;
}

function routeDifferences(before: Route, after: Route): string[] {
  const out: string[] = [];
  const list = (values: readonly string[] | undefined) => values?.join(', ') ?? 'any';
  if (list(before.methods) !== list(after.methods))
    out.push(`methods ${list(before.methods)} → ${list(after.methods)}`);
  const paths = (values: readonly string[] | undefined) => values?.join(' ') ?? 'any';
  if (paths(before.paths) !== paths(after.paths))
    out.push(`paths ${paths(before.paths)} → ${paths(after.paths)}`);
  if (describeAuth(before) !== describeAuth(after))
    out.push(`auth ${describeAuth(before)} → ${describeAuth(after)}`);
  for (const key of ['tls', 'dlp', 'private'] as const) {
    if (before[key] !== after[key])
      out.push(`${key} ${String(before[key])} → ${String(after[key])}`);
  }
  return out;
}

/** Whether `wide` allows everything `narrow` allows, with the same credential and handling. */
function covers(wide: Route, narrow: Route): boolean {
  if (describeAuth(wide) !== describeAuth(narrow)) return false;
  if (wide.tls !== narrow.tls || wide.private !== narrow.private || wide.dlp !== narrow.dlp)
    return false;
  const methodsOk =
    wide.methods === undefined ||
    (narrow.methods !== undefined && narrow.methods.every((m) => wide.methods!.includes(m)));
  const pathsOk =
    wide.paths === undefined ||
    (narrow.paths !== undefined &&
      narrow.paths.every((p) => wide.paths!.some((prefix) => p.startsWith(prefix))));
  return methodsOk && pathsOk;
}
