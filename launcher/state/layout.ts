import { join } from 'node:path';
import { DENIED_LOG_FILE } from '../../images/egress-proxy/denied-entry.js';
import { GRANT_USES_FILE } from '../../images/egress-proxy/grants.js';
import { queuePaths } from '../../mcp/queue/paths.js';

/**
 * Every path of `state/<slug>/`, spelled once. Keep everything a container sees behind this
 * function: a remote engine later means volumes instead of these host paths.
 */
export function stateLayout(dir: string) {
  const egressProxy = join(dir, 'egress-proxy');
  const gitGate = join(dir, 'git-gate');
  return {
    dir,
    metadata: join(dir, 'metadata.json'),
    composeFile: join(dir, 'docker-compose.yml'),
    composeLog: join(dir, 'compose.log'),
    transcript: join(dir, 'transcript'),
    liveConfig: join(dir, 'live-config'),
    egressProxy,
    /** The CA cert and key: mounted only into egress-proxy. */
    caDir: join(egressProxy, 'ca'),
    caCert: join(egressProxy, 'ca', 'ca.crt'),
    /** Extra CAs the proxy trusts for upstreams (a bottle's egress.upstream_ca). */
    upstreamCa: join(egressProxy, 'upstream-ca.pem'),
    /** The proxy's recent refusals and grant uses: the only folder of egress-proxy/ it may write. */
    deniedDir: join(egressProxy, 'denied'),
    deniedLog: join(egressProxy, 'denied', DENIED_LOG_FILE),
    grantUses: join(egressProxy, 'denied', GRANT_USES_FILE),
    gitGate,
    findings: join(gitGate, 'findings'),
    queue: queuePaths(join(dir, 'queue')),
    audit: join(dir, 'audit'),
    /** Host-only locks of the supervisor (never mounted into a container). */
    locks: join(dir, 'locks'),
    supervise: join(dir, 'supervise'),
    /** The bearer token between the agent and the supervise sidecar (not a user secret). */
    mcpToken: join(dir, 'supervise', 'token'),
    agent: join(dir, 'agent'),
    /** The agent's MCP configuration files (Claude Code JSON, Codex TOML), mounted read-only. */
    agentMcpConfig: join(dir, 'agent', 'mcp.json'),
    agentCodexConfig: join(dir, 'agent', 'codex-config.toml'),
    agentPrompt: join(dir, 'agent', 'prompt.md'),
    agentGitConfig: join(dir, 'agent', 'gitconfig'),
    /** Committed history of --repo PATH, cloned into the workspace on first start. */
    seedBundle: join(dir, 'agent', 'seed.bundle'),
  };
}

export type StateLayout = ReturnType<typeof stateLayout>;
