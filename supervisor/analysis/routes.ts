import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import type { Route, RoutesFile } from '../../images/egress-proxy/routes/schema.js';
import { HTTP_METHODS } from '../../images/egress-proxy/routes/schema.js';
import { formatYamlIssue } from '../../lib/yaml-schema.js';
import { approvedRoutes } from '../grants/routes.js';
import { addressKind, gitGateBypass } from './route-risks.js';
import { compareRoutes, type RouteChange } from './route-probes.js';
import { finding, listOf, quote, type AnalysisFinding } from './types.js';

/**
 * egress-proxy-block: what the candidate routes.yaml lets through that the live one does not
 * (and what it stops letting through), judged by the proxy's own parser and matcher.
 */
export function analyseRoutes(
  candidateText: string,
  liveText: string | undefined,
): AnalysisFinding[] {
  const candidate = parseRoutes(candidateText, 'proposed routes.yaml');
  if (!candidate.ok) {
    const [first, ...rest] = candidate.issues;
    const more = rest.length > 0 ? ` (+${rest.length} more)` : '';
    const what = first ? formatYamlIssue(first) : 'no issue reported';
    return [finding('danger', 'routes-invalid', `routes do not parse: ${quote(what, 160)}${more}`)];
  }
  const findings: AnalysisFinding[] = [];
  const live = liveRoutes(liveText, findings);
  const { changes, partial } = compareRoutes(
    lasting(live),
    lastingCandidate(liveText, candidateText, candidate.routes),
  );
  if (partial)
    findings.push(
      // Danger, not caution: padding a file with filler rules is how a proposal would hide a
      // dangerous rule from the probes, so a partial comparison must never read as safe.
      finding(
        'danger',
        'analysis-partial',
        'too many rules to compare every combination (rules may be unjudged): read the whole diff',
      ),
    );
  // One judgement per candidate rule, over everything it newly decides.
  const byRule = new Map<number, RouteChange>();
  for (const change of changes) {
    findings.push(describe(change));
    if (change.kind === 'removed') continue;
    const merged = byRule.get(change.index);
    if (!merged)
      byRule.set(change.index, {
        ...change,
        methods: new Set(change.methods),
        paths: new Set(change.paths),
      });
    else {
      for (const method of change.methods) merged.methods.add(method);
      for (const path of change.paths) merged.paths.add(path);
    }
  }
  for (const change of byRule.values()) findings.push(...routeRisks(change));
  if (changes.length === 0 && !partial)
    findings.push(
      finding(
        'info',
        'no-change',
        'no request is allowed or refused differently from the live routes',
      ),
    );
  return findings;
}

/**
 * Time-boxed rules are compared as absent on both sides: what matters is what the approval
 * would leave when they end. So a copy of a live grant's rule that would outlive it (its grant
 * dropped by a rewrite) shows as new reach, never as "no change". Rule numbers then count
 * the lasting rules only; without grants nothing changes.
 */
function lasting(routes: RoutesFile): RoutesFile {
  return { routes: routes.routes.filter((route) => route.grant === undefined) };
}

/** The lasting rules an approval for the bottle's life would apply (supervisor/grants/routes.ts). */
function lastingCandidate(
  liveText: string | undefined,
  candidateText: string,
  candidate: RoutesFile,
): RoutesFile {
  const applied = approvedRoutes(liveText, candidateText);
  if (applied) return lasting(applied);
  // an unparsable live file: judged against the proposal as written (live-invalid says so)
  return { routes: candidate.routes.map(({ grant: _grant, ...route }) => route) };
}

function liveRoutes(text: string | undefined, findings: AnalysisFinding[]): RoutesFile {
  if (text === undefined) {
    findings.push(
      finding(
        'caution',
        'live-unreadable',
        'the live routes.yaml could not be read: every rule is compared as new',
      ),
    );
    return { routes: [] };
  }
  if (text.trim() === '') return { routes: [] };
  const parsed = parseRoutes(text, 'live routes.yaml');
  if (parsed.ok) return parsed.routes;
  findings.push(
    finding(
      'caution',
      'live-unreadable',
      'the live routes.yaml does not parse: every rule is compared as new',
    ),
  );
  return { routes: [] };
}

function describe(change: RouteChange): AnalysisFinding {
  const { route } = change;
  const rule = `routes[${change.index}]`;
  const what = `${methodsOf(change.methods)} on ${pathsOf(change.paths)}`;
  const wildcard = route.host.startsWith('*.');
  switch (change.kind) {
    case 'removed':
      return finding('info', 'removed', `${route.host}: ${what} no longer allowed (live ${rule})`);
    case 'new-reach':
      if (wildcard)
        return finding(
          'caution',
          'wildcard-host',
          `${route.host}: every name below ${route.host.slice(2)} newly reachable with ${what} (${rule})`,
        );
      return change.hostNew
        ? finding('info', 'new-host', `${route.host} becomes reachable: ${what} (${rule})`)
        : finding('info', 'new-reach', `${route.host}: ${what} newly allowed (${rule})`);
    case 'credential': {
      const auth = route.auth!;
      const cred = `the credential "${quote(auth.secret, 40)}" (${quote(auth.header, 40)})`;
      return wildcard
        ? finding(
            'danger',
            'credential-reach',
            `${cred} newly goes to every name below ${route.host.slice(2)}: ${what} (${rule}, a wildcard host)`,
          )
        : finding(
            // A credential sent to a host it never reached before is the most direct way out
            // for it; wider reach on a host it already goes to is a caution.
            change.hostNew ? 'danger' : 'caution',
            'credential-reach',
            `${cred} newly goes to ${change.hostNew ? 'a new host, ' : ''}${route.host}: ${what} (${rule})`,
          );
    }
    case 'private':
      return finding(
        'danger',
        'private-reach',
        `${route.host} says private: true: loopback, private and link-local addresses become reachable with ${what} (${rule})`,
      );
    case 'passthrough':
      return finding(
        'caution',
        'passthrough',
        `${route.host} is tls: passthrough: no path, method or DLP check inside the tunnel (${rule})`,
      );
    case 'dlp-off':
      return finding(
        'caution',
        'dlp-off',
        `${route.host}: request bodies are not scanned (dlp: false) for ${what} (${rule})`,
      );
  }
}

/** Risks of a rule that newly decides something: around git-gate, to private addresses. */
function routeRisks(change: RouteChange): AnalysisFinding[] {
  const { route } = change;
  const rule = `routes[${change.index}]`;
  const findings: AnalysisFinding[] = [];
  const bypass = gitGateBypass(route.host, change.paths, change.methods);
  if (bypass)
    findings.push(
      finding(
        bypass.writes ? 'danger' : 'caution',
        'git-gate-bypass',
        `${route.host}: ${bypass.what} reaches around git-gate${bypass.writes ? ', with write methods (no gitleaks scan)' : ' (read-only methods)'} (${rule})`,
      ),
    );
  const kind = addressKind(route.host);
  if (kind) findings.push(addressFinding(route, kind, rule));
  return findings;
}

function addressFinding(
  route: Route,
  kind: NonNullable<ReturnType<typeof addressKind>>,
  rule: string,
): AnalysisFinding {
  if (kind === 'public IP address')
    return finding(
      'caution',
      'ip-literal',
      `${route.host} is an IP address: no name to review, whoever holds it is reached (${rule})`,
    );
  const level =
    route.private || kind === 'link-local' || kind === 'loopback' ? 'danger' : 'caution';
  const refused = route.private ? '' : '; the proxy refuses it unless the rule says private: true';
  const metadata = kind === 'link-local' ? ' (cloud metadata services live there)' : '';
  return finding(
    level,
    'private-address',
    `${route.host} is a ${kind} address${metadata}${refused} (${rule})`,
  );
}

function methodsOf(methods: Set<string>): string {
  if (HTTP_METHODS.every((method) => methods.has(method))) return 'any method';
  return HTTP_METHODS.filter((method) => methods.has(method)).join(', ');
}

function pathsOf(paths: Set<string>): string {
  if (paths.has('*')) return 'any path';
  return listOf([...paths].map((path) => quote(path, 60)));
}
