import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routeRefusalBody } from '../../../../images/egress-proxy/explain.js';
import { matchRoute } from '../../../../images/egress-proxy/matcher.js';
import { parseRoutes } from '../../../../images/egress-proxy/routes/parse.js';
import { writeFileAtomic } from '../../../../lib/atomic-write.js';
import { writeDecision } from '../../../../mcp/queue/store.js';

/**
 * The bottle's moving parts on loopback, minus Docker: the real supervise MCP server over HTTP on
 * a state dir, an upstream that enforces the live routes.yaml with the proxy's own parser,
 * matcher and refusal text, and an operator that applies and approves what the agent proposes.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const MCP_TOKEN = 'test-mcp-token-0123456789abcdef';

export async function makeStateDir(dir: string, routesYaml: string): Promise<string> {
  await mkdir(join(dir, 'live-config'), { recursive: true });
  await writeFile(join(dir, 'live-config', 'routes.yaml'), routesYaml);
  await writeFile(join(dir, 'live-config', 'Dockerfile'), 'FROM debian:trixie-slim\n');
  await writeFile(join(dir, 'live-config', 'gitleaks-allowlist'), '');
  await mkdir(join(dir, 'git-gate', 'findings'), { recursive: true });
  await mkdir(join(dir, 'queue', 'pending', 'agent'), { recursive: true });
  await mkdir(join(dir, 'queue', 'decided'), { recursive: true });
  return join(dir, 'live-config', 'routes.yaml');
}

export interface Supervise {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startSupervise(stateDir: string): Promise<Supervise> {
  const tokenFile = join(stateDir, 'mcp-token');
  await writeFile(tokenFile, `${MCP_TOKEN}\n`, { mode: 0o600 });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'supervise-main.ts'),
      '--state',
      stateDir,
      '--http',
      '127.0.0.1:0',
      '--token-file',
      tokenFile,
      '--allowed-host',
      '127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      for (const line of log.split('\n')) {
        const event = parseJson(line);
        if (event?.event === 'listening' && typeof event.port === 'number') resolve(event.port);
      }
    });
    child.once('exit', (code) => reject(new Error(`supervise exited ${code}: ${log}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stderr: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** GET anything: allowed by the live routes.yaml → 200, else the proxy's 403 and refusal body. */
export async function startRoutedUpstream(
  routesFile: string,
): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      const { port } = server.address() as AddressInfo;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const parsed = parseRoutes(await readFile(routesFile, 'utf8'));
      const match = parsed.ok
        ? matchRoute(parsed.routes, { host: '127.0.0.1', port, path, method: req.method ?? 'GET' })
        : { allowed: false as const, reason: 'routes.yaml is invalid', label: '' };
      if (match.allowed) {
        res.writeHead(200).end('ok from upstream\n');
        return;
      }
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(routeRefusalBody(`${req.method} http://127.0.0.1:${port}${path}`, match.reason));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/**
 * The operator: for each egress-proxy-block proposal, checks it with the proxy's parser, makes
 * it live (atomic rename, as the supervisor's engine does), then writes the decision.
 */
export function approveProposals(
  stateDir: string,
  routesFile: string,
): { ids: string[]; stop(): void } {
  const ids: string[] = [];
  let stopped = false;
  const pending = join(stateDir, 'queue', 'pending', 'agent');
  void (async () => {
    while (!stopped) {
      for (const name of (await readdir(pending)).filter((n) => /^agent-.*\.json$/.test(n))) {
        const proposal = JSON.parse(await readFile(join(pending, name), 'utf8')) as {
          id: string;
          tool: string;
          payload: { routes_yaml: string };
        };
        if (ids.includes(proposal.id) || proposal.tool !== 'egress-proxy-block') continue;
        ids.push(proposal.id);
        const valid = parseRoutes(proposal.payload.routes_yaml).ok;
        if (valid) await writeFileAtomic(routesFile, proposal.payload.routes_yaml);
        await writeDecision(join(stateDir, 'queue'), {
          v: 1,
          id: proposal.id,
          decision: valid ? 'approved' : 'rejected',
          reason: valid ? 'needed for the test' : 'invalid routes',
          decided_by: 'test-operator',
          decided_at: new Date().toISOString(),
          applied: valid,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return { ids, stop: () => (stopped = true) };
}
