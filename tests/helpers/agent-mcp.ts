import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';
import { execAsAgent } from './agent-exec.js';

const ENTRY = fileURLToPath(new URL('../fixtures/agent-mcp/client-main.ts', import.meta.url));
const BUNDLE = join(tmpdir(), `cb-agent-mcp-client-${process.pid}.mjs`);
const IN_AGENT = '/tmp/cb-agent-mcp-client.mjs';

/** What a supervise tool answered the agent. */
export interface AgentToolResult {
  isError: boolean;
  text: string;
  structured: { proposal_id: string; status: string; reason: string; applied: boolean } | null;
  /** Date.now() in the agent when the call returned. */
  returned_at_ms: number;
}

/** Bundles the SDK client once per test process and copies it into the bottle's agent container. */
export async function installAgentMcpClient(composeFile: string): Promise<void> {
  if (!existsSync(BUNDLE)) {
    await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: BUNDLE,
      logLevel: 'warning',
      banner: {
        js: "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);",
      },
    });
  }
  await execa('docker', ['compose', '-f', composeFile, 'cp', BUNDLE, `agent:${IN_AGENT}`]);
  await execa('docker', [
    'compose',
    '-f',
    composeFile,
    'exec',
    '-T',
    'agent',
    'chmod',
    '0644',
    IN_AGENT,
  ]);
}

/**
 * The agent calls a supervise tool over MCP from inside its container, as its own uid: the
 * promise settles when the tool returns (after the operator decides, or at --max-wait).
 */
export async function callToolInAgent(
  composeFile: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<AgentToolResult> {
  return JSON.parse(await runClient(composeFile, tool, args)) as AgentToolResult;
}

/** The tool names the agent's MCP client lists. */
export async function listToolsInAgent(composeFile: string): Promise<string[]> {
  return JSON.parse(await runClient(composeFile, '--list', {})) as string[];
}

async function runClient(composeFile: string, tool: string, args: object): Promise<string> {
  const run = await execAsAgent(composeFile, ['node', IN_AGENT, tool], {
    input: JSON.stringify(args),
    timeout: 16 * 60_000,
  });
  if (run.exitCode !== 0)
    throw new Error(`the agent's MCP client failed (${run.exitCode}): ${run.stderr || run.stdout}`);
  return run.stdout.trim().split('\n').at(-1)!;
}
