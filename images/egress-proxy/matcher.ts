import type { Route, RoutesFile } from './routes/schema.js';

/** What a request is matched on; host is lower-case, path already normalised. */
export interface RequestTarget {
  host: string;
  port: number;
  path: string;
  method: string;
}

export type MatchResult =
  | { allowed: true; route: Route; index: number; label: string }
  | { allowed: false; reason: string; label: string };

/** `routes[2] (api.github.com)`: how logs and refusals name a rule. */
export function routeLabel(route: Route, index: number): string {
  return `routes[${index}] (${route.host})`;
}

/** Does a route's host pattern cover host:port? No port in the pattern means 80 or 443. */
export function hostMatches(pattern: string, host: string, port: number): boolean {
  let name = pattern;
  let patternPort: number | undefined;
  const portMatch = /^(.*):(\d+)$/.exec(pattern);
  if (portMatch && !pattern.endsWith(']')) {
    name = portMatch[1]!;
    patternPort = Number(portMatch[2]);
  }
  if (patternPort === undefined ? port !== 80 && port !== 443 : port !== patternPort) return false;
  if (name.startsWith('[')) name = name.slice(1, -1);
  if (name.startsWith('*.')) {
    const suffix = name.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return host === name;
}

/**
 * The routes in force when some of the file's are left out (grants.ts: ended grants):
 * `fileIndex[i]` is the file position of `routes[i]`, so `routes[N]` in a log names the rule
 * in the file, whatever was left out before it.
 */
export interface RoutesInForce extends RoutesFile {
  fileIndex?: readonly number[];
  /** The rules left out and why (`grant g-… expired at …`), to explain a refusal. */
  ended?: readonly { route: Route; why: string }[];
}

/** Routes that name this host, in file order (CONNECT decides on the first of them). */
export function routesForHost(
  routes: RoutesInForce,
  host: string,
  port: number,
): { route: Route; index: number }[] {
  return routes.routes.flatMap((route, index) =>
    hostMatches(route.host, host, port)
      ? [{ route, index: routes.fileIndex?.[index] ?? index }]
      : [],
  );
}

/**
 * First route whose host, path prefix and method all match wins. A refusal explains every
 * rule that named the host and why it did not apply, or that no rule names the host.
 */
export function matchRoute(routes: RoutesInForce, target: RequestTarget): MatchResult {
  const candidates = routesForHost(routes, target.host, target.port);
  const misses: string[] = [];
  const labels: string[] = [];
  for (const { route, index } of candidates) {
    const label = routeLabel(route, index);
    const pathOk = !route.paths || route.paths.some((prefix) => pathHasPrefix(target.path, prefix));
    const methodOk = !route.methods || route.methods.includes(target.method as never);
    if (pathOk && methodOk) return { allowed: true, route, index, label };
    const why: string[] = [];
    if (!pathOk) why.push(`allows only paths starting with ${route.paths!.join(', ')}`);
    if (!methodOk) why.push(`allows only methods ${route.methods!.join(', ')}`);
    misses.push(`${label} ${why.join(' and ')}`);
    labels.push(label);
  }
  if (misses.length === 0) {
    return {
      allowed: false,
      label: 'none',
      reason: `no rule in routes.yaml names the host ${target.host}:${target.port}`,
    };
  }
  return {
    allowed: false,
    label: labels.join(', '),
    reason: `${target.method} ${target.path} matched no rule: ${misses.join('; ')}`,
  };
}

/** A prefix ending in "/" matches below it; otherwise the exact path or anything below it. */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
