import { AGENT_CONFIG_DIR } from '../../lib/live-config.js';
import type { Provider } from '../manifest/index.js';
import type { StateLayout } from '../state/layout.js';
import { SIDECAR_SECRETS_DIR } from '../state/secrets-dir.js';
import { DENIED_LOG_FILE } from '../../images/egress-proxy/denied-entry.js';
import { GRANT_USES_FILE } from '../../images/egress-proxy/grants.js';

/** Everything the compose file is rendered from; pure data, so the plan is unit-testable. */
export interface ComposeInput {
  project: string;
  slug: string;
  layout: StateLayout;
  images: { agent: string; egressProxy: string; supervise?: string; gitGate?: string };
  /** The uid:gid sidecars and the agent run as (files in state/ stay theirs). */
  user: { uid: number; gid: number };
  provider: Provider;
  /**
   * Host folders of secret files (launcher/state/secrets-dir.ts), each mounted read-only into
   * its one sidecar; values are never in the file, nor in any container's environment.
   */
  secretsDirs: { egressProxy: string; gitGate: string };
  gateExtraHosts: Record<string, string>;
  upstreamCa: boolean;
  tokenAllowTimeoutSeconds: number;
  limits: { memory: string; pids: number };
  agent: {
    command: string[];
    environment: Record<string, string>;
    seedBundle: boolean;
  };
}

export const PROXY_PORT = 3128;
export const SUPERVISE_PORT = 8080;

const HARDENING = {
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
  read_only: false,
} as const;

/**
 * The whole bottle as one compose project. The agent sits only on `internal`; the proxy and
 * the gate bridge to `egress`; supervise has no egress at all. Mounts are the narrowest each
 * container needs: the CA key only in the proxy, `decided/` read-only everywhere.
 */
export function renderCompose(input: ComposeInput): Record<string, unknown> {
  const { layout } = input;
  const user = `${input.user.uid}:${input.user.gid}`;
  const services: Record<string, unknown> = {};
  const sidecar = (extra: Record<string, unknown>) => ({
    ...HARDENING,
    user,
    restart: 'unless-stopped',
    mem_limit: '512m',
    pids_limit: 256,
    labels: { 'dev.claude-bottle.slug': input.slug },
    ...extra,
  });

  services['egress-proxy'] = sidecar({
    image: input.images.egressProxy,
    command: [
      '--routes',
      `${AGENT_CONFIG_DIR}/routes.yaml`,
      '--ca-dir',
      '/run/claude-bottle/ca',
      '--listen',
      `0.0.0.0:${PROXY_PORT}`,
      ...(input.images.supervise ? ['--queue', '/run/claude-bottle/queue'] : []),
      '--token-allow-timeout',
      String(input.tokenAllowTimeoutSeconds),
      '--denied-log',
      `/run/claude-bottle/denied/${DENIED_LOG_FILE}`,
      '--grant-uses',
      `/run/claude-bottle/denied/${GRANT_USES_FILE}`,
      '--secrets-dir',
      SIDECAR_SECRETS_DIR,
    ],
    environment: [
      ...(input.upstreamCa ? ['NODE_EXTRA_CA_CERTS=/run/claude-bottle/upstream-ca.pem'] : []),
    ],
    volumes: [
      secretsMount(input.secretsDirs.egressProxy),
      `${layout.liveConfig}:${AGENT_CONFIG_DIR}:ro`,
      `${layout.caDir}:/run/claude-bottle/ca:ro`,
      `${layout.deniedDir}:/run/claude-bottle/denied`,
      ...(input.upstreamCa ? [`${layout.upstreamCa}:/run/claude-bottle/upstream-ca.pem:ro`] : []),
      ...(input.images.supervise
        ? [
            `${layout.queue.pending('egress-proxy')}:/run/claude-bottle/queue/pending/egress-proxy`,
            `${layout.queue.decided}:/run/claude-bottle/queue/decided:ro`,
          ]
        : []),
    ],
    networks: ['internal', 'egress'],
  });

  if (input.images.supervise) {
    const state = '/run/claude-bottle/state';
    services.supervise = sidecar({
      image: input.images.supervise,
      command: [
        '--state',
        state,
        '--http',
        `0.0.0.0:${SUPERVISE_PORT}`,
        '--token-file',
        '/run/claude-bottle/mcp-token',
        '--allowed-host',
        'supervise',
      ],
      volumes: [
        `${layout.liveConfig}:${state}/live-config:ro`,
        `${layout.queue.pending('agent')}:${state}/queue/pending/agent`,
        `${layout.queue.decided}:${state}/queue/decided:ro`,
        `${layout.findings}:${state}/git-gate/findings:ro`,
        `${layout.mcpToken}:/run/claude-bottle/mcp-token:ro`,
      ],
      networks: ['internal'],
    });
  }

  if (input.images.gitGate) {
    services['git-gate'] = sidecar({
      image: input.images.gitGate,
      command: ['serve', '--secrets-dir', SIDECAR_SECRETS_DIR],
      extra_hosts: Object.entries(input.gateExtraHosts).map(([host, ip]) => `${host}:${ip}`),
      volumes: [
        secretsMount(input.secretsDirs.gitGate),
        `${layout.liveConfig}:${AGENT_CONFIG_DIR}:ro`,
        `${layout.gitGate}:/var/lib/git-gate`,
      ],
      networks: ['internal', 'egress'],
    });
  }

  const transcriptTarget =
    input.provider === 'codex'
      ? '/home/agent/.codex'
      : input.provider === 'claude'
        ? '/home/agent/.claude'
        : '/home/agent/.transcript';
  services.agent = {
    ...HARDENING,
    image: input.images.agent,
    entrypoint: ['/opt/claude-bottle/entrypoint.sh'],
    command: input.agent.command,
    // Set-up only (network guard, CA, ownership); the entrypoint drops every one of them.
    cap_add: ['NET_ADMIN', 'CHOWN', 'SETUID', 'SETGID', 'SETPCAP'],
    tty: true,
    stdin_open: true,
    mem_limit: input.limits.memory,
    pids_limit: input.limits.pids,
    labels: { 'dev.claude-bottle.slug': input.slug },
    environment: {
      // Variables an image could set to make the root entrypoint run agent-written code.
      BASH_ENV: '',
      ENV: '',
      LD_PRELOAD: '',
      LD_LIBRARY_PATH: '',
      AGENT_UID: String(input.user.uid),
      AGENT_GID: String(input.user.gid),
      ...input.agent.environment,
    },
    volumes: [
      `${layout.liveConfig}:${AGENT_CONFIG_DIR}:ro`,
      `${layout.caCert}:/etc/claude-bottle/ca.crt:ro`,
      `${layout.agentMcpConfig}:/etc/claude-bottle/mcp.json:ro`,
      `${layout.agentGitConfig}:/etc/claude-bottle/gitconfig:ro`,
      `${layout.agentPrompt}:/etc/claude-bottle/prompt.md:ro`,
      ...(input.agent.seedBundle ? [`${layout.seedBundle}:/run/claude-bottle/seed.bundle:ro`] : []),
      `${layout.transcript}:${transcriptTarget}`,
      'workspace:/workspace',
    ],
    networks: ['internal'],
    // No depends_on: the entrypoint itself waits for the proxy (and retries the gate), which
    // lets compose start all four containers at once.
    // bash and most CLIs ignore SIGTERM as PID 1's child; HUP ends them at once on `stop`.
    init: true,
    stop_signal: 'SIGHUP',
  };

  return escapeInterpolation({
    name: input.project,
    services,
    networks: {
      internal: { name: `${input.project}-internal`, internal: true },
      egress: { name: `${input.project}-egress` },
    },
    volumes: { workspace: { name: `${input.project}-workspace` } },
  });
}

/**
 * The long syntax on purpose: a missing host folder (a tmpfs emptied by a reboot, or `stop`)
 * makes the engine refuse to start the container, where the short syntax would create an empty
 * folder and start a sidecar without its secrets.
 */
function secretsMount(source: string): Record<string, unknown> {
  return {
    type: 'bind',
    source,
    target: SIDECAR_SECRETS_DIR,
    read_only: true,
    bind: { create_host_path: false },
  };
}

/**
 * compose expands `${…}` in every value with the environment of `docker compose up`, which
 * is the operator's and so holds the sources of the bottle's secrets (`env:GITHUB_TOKEN`). Every `$` the launcher writes is meant literally, so all of
 * them are escaped: a manifest string such as `model: "${EGRESS_SECRET_GITHUB}"` stays text.
 */
export function escapeInterpolation<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', () => '$$') as T;
  if (Array.isArray(value)) return value.map((item: unknown) => escapeInterpolation(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        escapeInterpolation(key),
        escapeInterpolation(item),
      ]),
    ) as T;
  }
  return value;
}
