import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { BottleError } from '../../lib/errors.js';
import { AGENT_CONFIG_DIR } from '../../lib/live-config.js';
import { formatPath, formatYamlIssue } from '../../lib/yaml-schema.js';
import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import { GitPolicySchema, type GitPolicy } from '../../images/git-gate/policy.js';
import type { ProviderRoutePlan } from '../credentials/provider-route.js';
import { expandPath, type LoadedBottle } from '../manifest/index.js';

/** The default live-config/Dockerfile: the stock agent image, for capability-block to extend. */
export const DEFAULT_AGENT_DOCKERFILE = `# The agent image of this bottle. Propose a changed copy with the supervise tool
# capability-block (e.g. add "RUN apt-get update && apt-get install -y --no-install-recommends jq").
# It is built FROM the stock agent image; the entrypoint that sandboxes the agent always runs.
ARG AGENT_IMAGE
FROM \${AGENT_IMAGE}
`;

/**
 * routes.yaml text from a bottle's egress.routes, checked with the proxy's own parser. The
 * manifest's routes are the proxy's schema already, so a refusal here points at the manifest.
 */
export function routesYaml(
  bottle: LoadedBottle,
  provider: ProviderRoutePlan = { kind: 'none' },
): string {
  const routes = [...bottle.config.egress.routes];
  let note = '';
  if (provider.kind === 'added') {
    routes.push(provider.route);
    note = `# The last route is the provider's, added by the launcher from auth_token: the proxy\n# injects the credential there; the agent holds a placeholder.\n`;
  }
  const text = `# Routes of bottle "${bottle.name}" (from ${bottle.file}).\n# Propose a changed copy of this whole file with the supervise tool egress-proxy-block.\n${note}${stringify({ routes })}`;
  const parsed = parseRoutes(text);
  if (!parsed.ok) {
    throw manifestInvalid(
      bottle,
      parsed.issues.map((issue) => ({
        path: ['egress', ...pathOf(issue.path)],
        message: issue.message,
      })),
    );
  }
  return text;
}

/** git-policy.json: the remotes and push policy the gate enforces; no credential in it. */
export async function gitPolicy(bottle: LoadedBottle, env: NodeJS.ProcessEnv): Promise<GitPolicy> {
  const remotes = [];
  for (const remote of bottle.config.git.remotes) {
    let knownHosts: string | undefined;
    if (remote.known_hosts) {
      const file = expandPath(remote.known_hosts.slice('file:'.length), bottle, env);
      try {
        knownHosts = await readFile(file, 'utf8');
      } catch {
        throw new BottleError(
          'CONFIG_INVALID',
          `remote ${remote.name}: known_hosts ${file} cannot be read`,
          {
            hint: `create it (ssh-keyscan HOST > ${file}) or remove known_hosts to pin the first key seen`,
          },
        );
      }
    }
    remotes.push({
      name: remote.name,
      url: remote.url,
      // The file the launcher writes in the gate's secrets folder (launcher/state/secrets-dir.ts).
      ...(remote.identity ? { credential: remote.name } : {}),
      ...(knownHosts ? { known_hosts: knownHosts } : {}),
      extra_hosts: remote.extra_hosts,
      push: remote.push,
    });
  }
  const policy = GitPolicySchema.safeParse({ v: 1, remotes });
  if (policy.success) return policy.data;
  // The manifest's remote is derived from the gate's, so this is a field the launcher filled
  // in (known_hosts text, the credential variable): named by its manifest key for the author.
  throw manifestInvalid(
    bottle,
    policy.error.issues.map((issue) => ({
      path: [
        'git',
        ...issue.path.map((part) => (part === 'credential' ? 'identity' : part)),
      ].filter((part): part is string | number => typeof part !== 'symbol'),
      message: issue.message,
    })),
  );
}

/** `routes[0].auth` back into its parts. */
function pathOf(formatted: string): (string | number)[] {
  return [...formatted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) =>
    match[2] !== undefined ? Number(match[2]) : match[1]!,
  );
}

function manifestInvalid(
  bottle: LoadedBottle,
  issues: { path: (string | number)[]; message: string }[],
): BottleError {
  const lines = issues.map(({ path, message }) =>
    formatYamlIssue({
      file: bottle.file,
      line: bottle.lineOf(path),
      path: formatPath(path),
      message,
    }),
  );
  return new BottleError('MANIFEST_INVALID', lines.join('\n'), {
    hint: 'fix the lines named above; `claude-bottle manifest check` lists every problem',
  });
}

export function liveConfigReadme(bottle: LoadedBottle): string {
  return `# The configuration this bottle runs with

These files are the live configuration of bottle "${bottle.name}". They are read-only here
(${AGENT_CONFIG_DIR}/); the operator changes them, and the sidecars pick the change up.

| file | what | how to ask for a change |
| --- | --- | --- |
| routes.yaml | where the egress proxy lets you connect, and with which injected credentials | call the supervise MCP tool \`egress-proxy-block\` with a full modified copy and a justification |
| Dockerfile | the agent image | call \`capability-block\` with a full modified copy and a justification (the bottle is rebuilt on the same branch, workspace kept) |
| gitleaks-allowlist | fingerprints of gitleaks findings the operator let through | call \`gitleaks-allow\` with the finding ids git-gate printed |
| git-policy.json | git remotes and what you may push where | not changeable from inside; ask the operator |

A refused request or push says which rule refused it. Propose the smallest change that
unblocks you; a tool call waits for the operator's decision and tells you what to retry.
`;
}
