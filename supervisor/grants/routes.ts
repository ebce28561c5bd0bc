import { stringify } from 'yaml';
import { parseRoutesOrThrow } from '../../images/egress-proxy/routes/parse.js';
import type { Grant, Route, RoutesFile } from '../../images/egress-proxy/routes/schema.js';
import { BottleError } from '../../lib/errors.js';

export interface GrantedRoutes {
  /** The routes.yaml to apply. */
  text: string;
  /** The rules the grant put on (new or changed by the proposal); empty for nothing new. */
  granted: Route[];
}

/**
 * The routes file an approval applies. Rules the proposal keeps verbatim stay as they are
 * (grants included); every rule it adds or changes carries `grant` when the approval is
 * time-boxed, and a rule it changed is kept right after its replacement (which decides while
 * the grant lives), so that when the grant ends the bottle is back where it was. What a grant's
 * end could not undo (a removal, a new order) is refused for a time-boxed approval. A `grant`
 * the agent wrote itself is never honoured: only an operator's approval makes one.
 */
export function grantedRoutes(
  baseText: string,
  proposedText: string,
  grant: Grant | undefined,
): GrantedRoutes {
  const base = parsed(baseText, 'the live routes.yaml');
  const proposed = parsed(proposedText, 'the approved routes.yaml');
  // Matched without their grants: an agent that copies a time-boxed rule and drops (or edits)
  // its grant gets the live rule, grant and all, and never turns it into a lasting one.
  const live = new Map<string, Route>();
  for (const route of base) if (!live.has(keyOf(route))) live.set(keyOf(route), route);
  const fresh = (route: Route) => !live.has(keyOf(route));
  const granted = proposed.filter(fresh).map(withoutGrant);
  if (grant?.uses !== undefined) {
    const blind = granted.find((route) => route.tls === 'passthrough');
    if (blind) {
      throw new BottleError(
        'USAGE',
        `${blind.host} is tls: passthrough: the proxy never sees its requests, so it cannot admit just one`,
        { hint: 'approve it --for a time instead' },
      );
    }
  }

  const proposedKeys = new Set(proposed.map((route) => keyOf(route)));
  if (grant) refuseUnboxable(base, proposed, granted.length, fresh, proposedKeys);
  const out: Route[] = proposed.map((route) =>
    !fresh(route)
      ? live.get(keyOf(route))!
      : grant
        ? { ...withoutGrant(route), grant }
        : withoutGrant(route),
  );
  if (grant) {
    // A rule the proposal changed comes back where it was once the grant ends, and while the
    // grant lives its replacement (granted, of the same host) decides first: the old rule goes
    // right before the lasting rule that followed it in the live file (or last).
    base.forEach((old, at) => {
      if (proposedKeys.has(keyOf(old))) return;
      const next = base.slice(at + 1).find((later) => out.includes(later));
      const place = next ? out.indexOf(next) : out.length;
      const late = out
        .slice(place)
        .find((route) => route.grant?.id === grant.id && route.host === old.host);
      if (late) {
        throw new BottleError(
          'USAGE',
          `the proposal moves its change of the ${old.host} rule past other live rules, and a time-boxed change must stay in place`,
          { hint: 'approve it for the bottle’s life, or ask for the change where the rule is' },
        );
      }
      out.splice(place, 0, old);
    });
  }
  const same =
    out.length === proposed.length && out.every((r, i) => exact(r) === exact(proposed[i]!));
  // Nothing to add or strip: the agent's own text, comments and all.
  return { text: same ? proposedText : routesText(out), granted };
}

/**
 * What a lifetime cannot undo is refused before anything is claimed: a time-boxed approval
 * that adds nothing, or that moves or repeats a live rule (first match wins, so a new order
 * would outlive the grant).
 */
function refuseUnboxable(
  base: readonly Route[],
  proposed: readonly Route[],
  granted: number,
  fresh: (route: Route) => boolean,
  proposedKeys: ReadonlySet<string>,
): void {
  if (granted === 0)
    throw new BottleError(
      'USAGE',
      'the proposal adds or widens no rule: there is nothing to time-box',
      {
        hint: 'approve it without --once or --for',
      },
    );
  // A removal outlives the grant, and removing a rule can widen: the broader rule behind it
  // then decides for its host (a credential, dlp: false).
  const freshHosts = new Set(proposed.filter(fresh).map((route) => route.host));
  const removed = base.find(
    (route) => !proposedKeys.has(keyOf(route)) && !freshHosts.has(route.host),
  );
  if (removed)
    throw new BottleError(
      'USAGE',
      `the proposal removes the ${removed.host} rule, and a removal cannot be time-boxed (it would outlive the grant)`,
      { hint: 'approve it for the bottle’s life, or reject it and ask for the new rules only' },
    );
  const kept = proposed.filter((route) => !fresh(route)).map(keyOf);
  const order = base.filter((route) => proposedKeys.has(keyOf(route))).map(keyOf);
  if (kept.join('\n') !== order.join('\n'))
    throw new BottleError(
      'USAGE',
      'the proposal moves or repeats live rules, and a new order cannot be time-boxed (it would outlive the grant)',
      { hint: 'approve it for the bottle’s life, or reject it and ask for the new rules only' },
    );
}

/**
 * The routes an approval for the bottle's life would apply (what the analysis and the replay
 * judge), or undefined when the live file or the proposal does not parse.
 */
export function approvedRoutes(
  liveText: string | undefined,
  proposedText: string,
): RoutesFile | undefined {
  try {
    return parseRoutesOrThrow(grantedRoutes(liveText ?? '', proposedText, undefined).text).routes;
  } catch {
    return undefined;
  }
}

/** The rules of a routes.yaml without those of the given grants (a reversion). */
export function withoutGrants(text: string, ids: ReadonlySet<string>): string {
  const routes = parsed(text, 'the live routes.yaml');
  return routesText(routes.filter((route) => !route.grant || !ids.has(route.grant.id)));
}

function parsed(text: string, file: string): Route[] {
  if (text.trim() === '') return [];
  return parseRoutesOrThrow(text, file).routes.routes;
}

function withoutGrant(route: Route): Route {
  const { grant: _grant, ...rest } = route;
  return rest;
}

/**
 * A rule's identity apart from its grant. Methods and paths are sets to the matcher, so their
 * order and repeats are not part of it: a reordered copy of a time-boxed rule is still that rule.
 */
function keyOf(route: Route): string {
  const rule = withoutGrant(route);
  const set = (values: readonly string[] | undefined) =>
    values === undefined ? undefined : [...new Set(values)].sort();
  return canonical({ ...rule, methods: set(rule.methods), paths: set(rule.paths) });
}

function exact(route: Route): string {
  return canonical(route);
}

/** JSON with every object's keys sorted, so equal rules have equal keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A routes.yaml in the launcher's style: defaults left out, one rule per list item. */
export function routesText(routes: readonly Route[]): string {
  const rules = routes.map((route) => {
    const rule: Record<string, unknown> = { host: route.host };
    if (route.paths) rule.paths = route.paths;
    if (route.methods) rule.methods = route.methods;
    if (route.auth) rule.auth = route.auth;
    if (!route.dlp) rule.dlp = false;
    if (route.private) rule.private = true;
    if (route.tls !== 'intercept') rule.tls = route.tls;
    if (route.grant) rule.grant = route.grant;
    return rule;
  });
  return stringify({ routes: rules }, { lineWidth: 0 });
}
