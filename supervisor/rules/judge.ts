import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import type { Route } from '../../images/egress-proxy/routes/schema.js';
import type { Proposal } from '../../mcp/queue/schema.js';
import type { AnalysisFinding } from '../analysis/index.js';
import { diffRoutes } from '../policy/route-diff.js';
import { RULE_TOOL, type OperatorRule } from './schema.js';

/** What a proposal is judged on: all of it computed by the supervisor, none taken from the agent. */
export interface JudgeSubject {
  /** The bottle the proposal came from. */
  slug: string;
  proposal: Proposal;
  /** The live routes.yaml now (readLive); absent when it could not be read. */
  base: { text: string; sha256: string } | undefined;
  /** The supervisor's analysis of the proposal against that base (analyseProposal). */
  findings: readonly AnalysisFinding[];
}

export type Judgement =
  | { verdict: 'approve'; rule: OperatorRule; reason: string }
  /** No rule applies: the proposal is the operator's, untouched. `reasons` say why (for debug). */
  | { verdict: 'leave'; reasons: string[] };

/**
 * Whether an operator rule approves a proposal. Pure and fail-closed: anything unreadable,
 * anything beyond "new rules for new hosts, read-only, no credential, every check on" and any
 * caution or danger in the analysis leaves the proposal for a person. The first rule that
 * covers every added route wins.
 */
export function judge(rules: readonly OperatorRule[], subject: JudgeSubject): Judgement {
  if (rules.length === 0) return leave(['no operator rules are configured']);
  const added = additions(subject);
  if (!added.ok) return leave(added.reasons);
  const reasons: string[] = [];
  for (const rule of rules) {
    const misses = ruleMisses(rule, subject.slug, added.routes);
    if (misses.length === 0) {
      const what = added.routes
        .map((route) => `${route.methods!.join(', ')} on ${route.host}`)
        .join('; ');
      return {
        verdict: 'approve',
        rule,
        reason: `operator rule "${rule.name}": adds only ${what}`,
      };
    }
    reasons.push(...misses.map((miss) => `rule ${rule.name}: ${miss}`));
  }
  return leave(reasons);
}

type Additions = { ok: true; routes: Route[] } | { ok: false; reasons: string[] };

/**
 * The rules a proposal adds, when adding rules is all it does: the live rules kept as they are
 * (same order, same fields), the new ones for hosts no live rule names, none placed where it
 * could be matched first for a live rule's host, and each one plain (methods listed, no
 * credential, TLS intercepted, DLP on, no private addresses, no grant).
 */
function additions({ proposal, base, findings }: JudgeSubject): Additions {
  if (proposal.tool !== RULE_TOOL)
    return refuse(`rules never decide ${proposal.tool}: it waits for a person`);
  if (base === undefined) return refuse('the live routes.yaml could not be read');
  if (proposal.payload.base_sha256 !== base.sha256)
    return refuse('it was proposed against an older routes.yaml (applying it would be refused)');
  const live =
    base.text.trim() === '' ? { ok: true as const, routes: { routes: [] } } : parse(base.text);
  const proposed = parse(proposal.payload.routes_yaml);
  if (!live.ok) return refuse('the live routes.yaml does not parse');
  if (!proposed.ok) return refuse('the proposed routes.yaml does not parse');

  const reasons: string[] = [];
  const flagged = findings.filter((f) => f.level === 'danger' || f.level === 'caution');
  for (const code of new Set(flagged.map((f) => `${f.level} ${f.code}`)))
    reasons.push(`the analysis has a ${code} finding`);

  const baseRoutes = live.routes.routes;
  const routes = proposed.routes.routes;
  // By name, ports aside: `api.x:443` is the live `api.x` again, never a new host.
  const baseHosts = new Set(baseRoutes.map((route) => splitPort(route.host).name));
  const diffReasons = diffRoutes(baseRoutes, routes).flatMap((item) =>
    item.change !== 'added'
      ? [`${item.host}: a live rule is ${item.change} (${item.detail})`]
      : baseHosts.has(splitPort(item.host).name)
        ? [
            `${item.host}: one more rule for a host the live routes already name (a rule adds only new hosts)`,
          ]
        : [],
  );
  reasons.push(...diffReasons);
  // Whatever the diff pairs, the live rules must all be there, unchanged and in their order
  // (first match wins, so reordering them changes what they decide).
  const kept = routes.filter((route) => baseHosts.has(splitPort(route.host).name));
  if (diffReasons.length === 0 && !sameRoutes(kept, baseRoutes))
    reasons.push('a live rule is removed, repeated or moved');

  const added = routes.flatMap((route, index) =>
    baseHosts.has(splitPort(route.host).name) ? [] : [{ route, index }],
  );
  if (added.length === 0 && reasons.length === 0) reasons.push('it adds no rule');
  for (const { route, index } of added) {
    reasons.push(...plainnessMisses(route));
    const shadowed = routes
      .slice(index + 1)
      .find(
        (later) =>
          baseHosts.has(splitPort(later.host).name) && namesOverlap(route.host, later.host),
      );
    if (shadowed)
      reasons.push(
        `${route.host}: placed before the live rule for ${shadowed.host}, which it could be matched instead of`,
      );
  }
  return reasons.length > 0
    ? { ok: false, reasons }
    : { ok: true, routes: added.map((a) => a.route) };
}

/** What an added rule does beyond "these methods to this host, intercepted and scanned". */
function plainnessMisses(route: Route): string[] {
  const misses: string[] = [];
  if (route.methods === undefined) misses.push(`${route.host}: no methods listed (every method)`);
  if (route.auth) misses.push(`${route.host}: sends a credential (auth)`);
  if (route.tls === 'passthrough') misses.push(`${route.host}: tls: passthrough`);
  if (!route.dlp) misses.push(`${route.host}: dlp: false`);
  if (route.private) misses.push(`${route.host}: private: true`);
  // Grants are the operator's own, timed rules (supervisor/grants/): never taken from an agent.
  if (route.grant) misses.push(`${route.host}: carries a grant`);
  return misses;
}

/** Why this rule does not cover every added route (empty: it does). */
function ruleMisses(rule: OperatorRule, slug: string, added: readonly Route[]): string[] {
  if (rule.bottles && !rule.bottles.includes(slug)) return [`not for bottle ${slug}`];
  const misses: string[] = [];
  for (const route of added) {
    if (!rule.hosts.some((pattern) => patternCovers(pattern, route.host)))
      misses.push(`${route.host} is not covered by ${rule.hosts.join(', ')}`);
    const extra = (route.methods ?? []).filter(
      (method) => !(rule.methods as readonly string[]).includes(method),
    );
    if (extra.length > 0)
      misses.push(`${route.host}: ${extra.join(', ')} not among ${rule.methods.join(', ')}`);
  }
  return misses;
}

/**
 * Whether a rule's host pattern covers every name and port a route's host reaches, as the
 * proxy matches them (images/egress-proxy/matcher.ts): `*.a.b` reaches every name below a.b
 * (never a.b itself), a host without a port reaches ports 80 and 443. So `*.npmjs.org` covers
 * `registry.npmjs.org` and `*.cdn.npmjs.org`; `registry.npmjs.org` never covers `*.npmjs.org`.
 */
export function patternCovers(pattern: string, host: string): boolean {
  const p = splitPort(pattern);
  const h = splitPort(host);
  const portOk =
    p.port === undefined
      ? h.port === undefined || h.port === '80' || h.port === '443'
      : h.port === p.port;
  return portOk && nameCovers(p.name, h.name);
}

function nameCovers(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.startsWith('*.')) return false;
  // `.npmjs.org`: a name below it, or a wildcard whose names are all below it.
  return name.endsWith(pattern.slice(1));
}

/** Could some name match both host patterns? Ports are ignored: overlapping is the safe guess. */
function namesOverlap(a: string, b: string): boolean {
  const x = splitPort(a).name;
  const y = splitPort(b).name;
  return nameCovers(x, y) || nameCovers(y, x);
}

function splitPort(host: string): { name: string; port?: string } {
  const match = /^(.*):(\d+)$/.exec(host);
  if (match && !host.endsWith(']')) return { name: match[1]!, port: match[2]! };
  return { name: host };
}

function sameRoutes(a: readonly Route[], b: readonly Route[]): boolean {
  // Both parsed by the proxy's schema, so equal rules serialise to equal text.
  return JSON.stringify(a) === JSON.stringify(b);
}

function parse(text: string) {
  const parsed = parseRoutes(text);
  return parsed.ok ? { ok: true as const, routes: parsed.routes } : { ok: false as const };
}

function refuse(reason: string): Additions {
  return { ok: false, reasons: [reason] };
}

function leave(reasons: string[]): Judgement {
  return { verdict: 'leave', reasons };
}
