import { formatPath } from '../../lib/yaml-schema.js';
import { credentialOf } from './auth-token.js';
import type { LoadedAgent, LoadedBottle, ManifestIssue } from './types.js';

/**
 * Every name a manifest refers to must be declared: a route's or remote's secret in the
 * bottle's `secrets:`, a home agent's default bottle among the bottles. Checked without
 * resolving any secret, so `manifest check` runs with no credentials present.
 */
export function checkReferences(
  bottles: LoadedBottle[],
  agents: LoadedAgent[],
  /** Bottles whose file exists but does not load: their own errors say why, once. */
  invalidBottles: readonly string[] = [],
): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const bottle of bottles) {
    const declared = Object.keys(bottle.config.secrets);
    const missing = (secret: string, path: (string | number)[], what: string): void => {
      if (declared.includes(secret)) return;
      issues.push({
        file: bottle.file,
        line: bottle.lineOf(path),
        path: formatPath(path),
        message: `${what} names secret "${secret}", which is not declared → add it under secrets: (e.g. ${secret}: env:${secret.toUpperCase().replace(/-/g, '_')}_TOKEN)${declared.length > 0 ? `, or use one of: ${declared.join(', ')}` : ''}`,
      });
    };
    bottle.config.egress.routes.forEach((route, index) => {
      if (route.auth)
        missing(
          route.auth.secret,
          ['egress', 'routes', index, 'auth', 'secret'],
          `route ${route.host}`,
        );
    });
    bottle.config.git.remotes.forEach((remote, index) => {
      if (remote.identity)
        missing(remote.identity, ['git', 'remotes', index, 'identity'], `remote ${remote.name}`);
    });
    const credential = credentialOf(bottle);
    if (credential?.source === 'secret')
      missing(
        credential.secret,
        typeof bottle.config.auth_token === 'string' ? ['auth_token'] : ['auth_token', 'secret'],
        'auth_token',
      );
  }
  for (const agent of agents) {
    const wanted = 'bottle' in agent.config ? agent.config.bottle : undefined;
    if (
      wanted &&
      !invalidBottles.includes(wanted) &&
      !bottles.some((bottle) => bottle.name === wanted)
    ) {
      issues.push({
        file: agent.file,
        line: agent.lineOf(['bottle']),
        path: 'bottle',
        message: `bottle "${wanted}" does not exist → create bottles/${wanted}.md in the home, or name one of: ${bottles.map((b) => b.name).join(', ') || '(none yet)'}`,
      });
    }
  }
  return issues;
}
