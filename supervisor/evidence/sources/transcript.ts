import { constants, open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isoOrUndefined, type EvidenceRecord } from '../format.js';
import type { SourceResult } from './queue.js';

/** Bounds on what the agent's own folder can make the export read. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 2000;
const MAX_DEPTH = 8;
/**
 * A tool call's input is read up to this many characters of its JSON (memory only: the bundle
 * keeps what the redactor leaves after scrubbing, at most its MAX_STRING).
 */
const MAX_INPUT_CHARS = 1024 * 1024;

/**
 * The agent's tool calls from its session files in `transcript/` (Claude Code's
 * `projects/<dir>/<session>.jsonl`, Codex's `sessions/…/rollout-*.jsonl`). The folder is the
 * agent's, so it is walked without following links, only regular `.jsonl` files are opened
 * (O_NOFOLLOW) and sizes are capped. Results are kept as outcome and size, not content.
 */
export async function transcriptRecords(dir: string): Promise<SourceResult> {
  const notes: string[] = [];
  const files: string[] = [];
  await walk(dir, 0, files, notes);
  if (files.length === 0) {
    return { records: [], notes: [`no agent transcript in ${dir}: tool calls not included`] };
  }
  const records: EvidenceRecord[] = [];
  for (const file of files.sort()) {
    const text = await readCapped(file, notes);
    if (text === undefined) continue;
    const name = relative(dir, file);
    let lastAt = new Date(0).toISOString();
    let lineNo = 0;
    for (const raw of text.split('\n')) {
      lineNo++;
      if (raw.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null) continue;
      const line = parsed as Record<string, unknown>;
      lastAt = isoOrUndefined(line.timestamp) ?? lastAt;
      for (const call of toolEvents(line))
        records.push({
          at: lastAt,
          source: 'transcript',
          kind: call.kind,
          data: { file: name, line: lineNo, ...call.data },
        });
    }
  }
  return { records, notes };
}

interface ToolEvent {
  kind: 'tool-call' | 'tool-result';
  data: Record<string, unknown>;
}

function toolEvents(line: Record<string, unknown>): ToolEvent[] {
  const events: ToolEvent[] = [];
  // Claude Code: {type: "assistant"|"user", message: {content: [{type: "tool_use"|"tool_result"}]}}
  const message = line.message as { content?: unknown } | undefined;
  if (message && Array.isArray(message.content)) {
    for (const item of message.content as Array<Record<string, unknown>>) {
      if (item?.type === 'tool_use')
        events.push({
          kind: 'tool-call',
          data: { tool: str(item.name), id: str(item.id), input: clip(item.input) },
        });
      else if (item?.type === 'tool_result')
        events.push({
          kind: 'tool-result',
          data: {
            id: str(item.tool_use_id),
            is_error: item.is_error === true,
            bytes: size(item.content),
          },
        });
    }
  }
  // Codex: {type: "response_item", payload: {type: "function_call"|"custom_tool_call"|…}}
  const payload = line.payload as Record<string, unknown> | undefined;
  if (line.type === 'response_item' && payload && typeof payload === 'object') {
    const type = payload.type;
    if (type === 'function_call' || type === 'custom_tool_call' || type === 'local_shell_call')
      events.push({
        kind: 'tool-call',
        data: {
          tool: str(payload.name) || String(type),
          id: str(payload.call_id),
          input: clip(payload.arguments ?? payload.input ?? payload.action),
        },
      });
    else if (type === 'function_call_output' || type === 'custom_tool_call_output')
      events.push({
        kind: 'tool-result',
        data: { id: str(payload.call_id), bytes: size(payload.output) },
      });
  }
  return events;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 256) : '';
}

function size(value: unknown): number {
  return value === undefined
    ? 0
    : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * The input as JSON text, bounded only for memory: the redactor scrubs it whole and then cuts
 * it (redact.ts MAX_STRING), so no secret is cut in two before it could be recognised.
 */
function clip(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > MAX_INPUT_CHARS
    ? `${text.slice(0, MAX_INPUT_CHARS)}… [cut: ${text.length - MAX_INPUT_CHARS} more characters]`
    : text;
}

async function walk(dir: string, depth: number, files: string[], notes: string[]): Promise<void> {
  if (depth > MAX_DEPTH || files.length >= MAX_FILES) return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Dirent types come from lstat: a symbolic link is neither a folder nor a file here.
    if (entry.isDirectory()) await walk(path, depth + 1, files, notes);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) {
      if (files.length >= MAX_FILES) {
        notes.push(`transcript has more than ${MAX_FILES} session files; the rest are left out`);
        return;
      }
      files.push(path);
    }
  }
}

async function readCapped(file: string, notes: string[]): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    notes.push(`transcript file ${file} could not be opened; left out`);
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > MAX_FILE_BYTES) {
      notes.push(`transcript file ${file} is larger than ${MAX_FILE_BYTES} bytes; left out`);
      return undefined;
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
