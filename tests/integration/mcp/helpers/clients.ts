import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..', '..', '..');
export const SERVE_MAIN = join(here, 'serve-main.ts');
export const DECIDE_MAIN = join(here, 'decide-main.ts');
export const TOKEN = 'test-token-0123456789abcdef';

export interface Running {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

/** The real server in a child process, driven by the SDK's own Client over stdio. */
export async function startStdio(stateDir: string, extra: string[] = []): Promise<Running> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', SERVE_MAIN, '--state', stateDir, '--stdio', ...extra],
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let log = '';
  transport.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(transport);
  return { client, stderr: () => log, close: () => client.close() };
}

export interface HttpServer {
  port: number;
  url: URL;
  stderr(): string;
  connect(): Promise<Client>;
  stop(): Promise<void>;
}

/** The real server over Streamable HTTP on 127.0.0.1 with a port the kernel picked. */
export async function startHttp(stateDir: string, extra: string[] = []): Promise<HttpServer> {
  const tokenFile = join(stateDir, 'mcp-token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      SERVE_MAIN,
      '--state',
      stateDir,
      '--http',
      '127.0.0.1:0',
      '--token-file',
      tokenFile,
      ...extra,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      for (const line of log.split('\n')) {
        const event = parseLine(line);
        if (event?.event === 'listening') resolve(event.port as number);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const clients: Client[] = [];
  return {
    port,
    url,
    stderr: () => log,
    async connect() {
      const client = new Client({ name: 'test', version: '0' });
      await client.connect(
        new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
        }),
      );
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await stopChild(child);
    },
  };
}

/** Runs the operator stand-in in its own process; resolves to the decided proposal id. */
export function decideLater(
  queueDir: string,
  tool: string,
  decision: 'approved' | 'rejected',
  reason: string,
  delayMs = 0,
): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', DECIDE_MAIN, queueDir, tool, decision, reason, String(delayMs)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`decider exited ${code}: ${err}`)),
    );
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
