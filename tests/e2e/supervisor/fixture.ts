import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { runCliCaptured, type CliRun } from '../../helpers/cli.js';
import {
  callToolInAgent,
  installAgentMcpClient,
  type AgentToolResult,
} from '../../helpers/agent-mcp.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import { makeServerCert } from '../../helpers/test-tls.js';
import { execAsAgent } from '../../helpers/agent-exec.js';
import { startUpstreamContainer } from '../../helpers/upstream-container.js';
import { removeSecretFolders } from '../../helpers/bottle-secrets.js';

/** The bottle every supervisor e2e test starts from: one GET route to /hello on a local upstream. */
export const SUPERVISED_BOTTLE = `---
agent_provider: none
secrets:
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.example.test
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;

/** The bottle's routes.yaml with one more allowed path beside /hello (what the agent proposes). */
export function withPath(routes: string, path: string): string {
  return routes.replace(
    /^(\s*)- \/hello$/m,
    (_line, indent: string) => `${indent}- /hello\n${indent}- ${path}`,
  );
}

export interface SupervisedBottle {
  tree: TempTree;
  env: NodeJS.ProcessEnv;
  home: string;
  slug: string;
  stateDir: string;
  composeFile: string;
  token: string;
  cli(...argv: string[]): Promise<CliRun>;
  /** A shell command in the agent container as the agent's uid. */
  asAgent(script: string): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** The agent calls a supervise tool over MCP (settles when the tool returns). */
  callTool(tool: string, args: Record<string, unknown>): Promise<AgentToolResult>;
  /** The live routes.yaml as the agent reads it. */
  liveRoutes(): Promise<string>;
  /** Tears down containers, networks, the volume, the upstream and the temp home. */
  destroy(): Promise<void>;
}

export interface SupervisedOptions {
  bottle?: string;
  files?: Record<string, string>;
  /** Extra `start` flags (e.g. --repo, --branch). */
  startArgs?: string[];
  token?: string;
  /** The upstream's server script (default tests/fixtures/upstream-server.mjs). */
  upstreamScript?: string;
}

/** Starts a real bottle (provider none) with a local HTTPS upstream api.example.test on its egress network. */
export async function startSupervisedBottle(
  options: SupervisedOptions = {},
): Promise<SupervisedBottle> {
  const token =
    options.token ?? `cbe2e-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const tree = await tempTree({
    'home/bottles/e2e.md': options.bottle ?? SUPERVISED_BOTTLE,
    'home/agents/scripted.md': '---\nbottle: e2e\n---\nA scripted agent.\n',
    ...options.files,
  });
  makeServerCert(tree.path('home/bottles'), 'api.example.test');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: tree.path('home'),
    CB_E2E_UPSTREAM_TOKEN: token,
    CLAUDE_BOTTLE_OPERATOR: 'e2e-operator',
  };
  const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.root });
  const started = await cli('start', 'scripted', '--detach', ...(options.startArgs ?? []));
  if (started.code !== 0) {
    await tree.remove();
    throw new Error(`start failed (${started.code}): ${started.stderr}`);
  }
  const slug = started.stdout.trim();
  const stateDir = tree.path(`home/state/${slug}`);
  const composeFile = `${stateDir}/docker-compose.yml`;
  const metadata = JSON.parse(await readFile(`${stateDir}/metadata.json`, 'utf8')) as {
    images: { base: string };
  };
  const upstream = await startUpstreamContainer({
    slug,
    certDir: tree.path('home/bottles'),
    image: metadata.images.base,
    ...(options.upstreamScript ? { script: options.upstreamScript } : {}),
  });
  await installAgentMcpClient(composeFile);
  const asAgent = (script: string) => execAsAgent(composeFile, ['bash', '-c', script]);
  return {
    tree,
    env,
    home: tree.path('home'),
    slug,
    stateDir,
    composeFile,
    token,
    cli,
    asAgent,
    callTool: (tool, args) => callToolInAgent(composeFile, tool, args),
    liveRoutes: () => readFile(`${stateDir}/live-config/routes.yaml`, 'utf8'),
    async destroy() {
      await execa('docker', ['rm', '-f', upstream], { reject: false });
      await execa('docker', ['compose', '-f', composeFile, 'down', '-v', '--timeout', '2'], {
        reject: false,
        env,
      });
      await removeSecretFolders(tree.path('home'));
      await tree.remove();
    },
  };
}

/** Waits until the bottle has an undecided proposal of `tool`; returns its id. */
export async function waitForProposal(
  bottle: SupervisedBottle,
  tool: string,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
    if (listed.code === 0) {
      const { proposals } = JSON.parse(listed.stdout) as {
        proposals: { id: string; tool: string }[];
      };
      const found = proposals.find((p) => p.tool === tool);
      if (found) return found.id;
    }
    if (Date.now() > deadline)
      throw new Error(`no ${tool} proposal within ${timeoutMs} ms: ${listed.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
