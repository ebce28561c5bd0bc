import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { sha256 } from '../../images/egress-proxy/routes/parse.js';
import { liveConfigPath, type LiveConfigFile } from '../../lib/live-config.js';
import type { CallToolResult } from '../sdk.js';
import type { ServerContext } from '../context.js';
import { LIMITS, type AGENT_TOOLS } from '../queue/schema.js';
import { outcomeText, type Outcome } from './outcome.js';

export type AgentTool = (typeof AGENT_TOOLS)[number];

function byteCap(bytes: number, what: string) {
  return z.string().refine((text) => Buffer.byteLength(text, 'utf8') <= bytes, {
    message: `${what} is larger than ${bytes / 1024} KiB → shorten it`,
  });
}

/** Why the agent needs the change; shown to the operator next to the diff. */
export const JustificationSchema = byteCap(LIMITS.justificationBytes, 'justification').refine(
  (text) => text.trim() !== '',
  { message: 'justification is empty → say why the change is needed' },
);

/** A whole proposed file, capped at LIMITS.fileBytes. */
export function fileTextSchema(what: string) {
  return byteCap(LIMITS.fileBytes, what);
}

/** An `isError` result: the input was malformed and nothing was queued. */
export function refusal(message: string, hint: string): CallToolResult {
  return {
    content: [{ type: 'text', text: `Nothing was queued: ${message}\nWhat to do: ${hint}` }],
    isError: true,
  };
}

export function outcomeResult(tool: AgentTool | undefined, outcome: Outcome): CallToolResult {
  return {
    content: [{ type: 'text', text: outcomeText(tool, outcome) }],
    structuredContent: outcome,
  };
}

/** sha256 of the live file a full-file proposal replaces; a missing file hashes as empty. */
export async function liveFileSha256(ctx: ServerContext, file: LiveConfigFile): Promise<string> {
  try {
    return sha256(await readFile(liveConfigPath(ctx.liveConfigDir, file)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return sha256('');
    throw error;
  }
}
