import { createConnection, createServer, type Server } from 'node:net';
import { unlink } from 'node:fs/promises';
import { createLogger, type LogSink } from '../../lib/log.js';
import { runtimeFile } from './paths.js';

/** One line per git operation, on the gate's stdout: what an operator greps. Never a secret. */
export interface OpFields {
  remote: string;
  op: 'fetch' | 'sync' | 'push';
  refs: string[];
  result: 'ok' | 'refused' | 'failed';
  ms: number;
  rule?: string;
  findings?: string[];
  reason?: string;
}

const MAX_LINE = 16_384;

export function formatOpLine(fields: OpFields, clock: () => Date = () => new Date()): string {
  let line = '';
  createLogger({
    component: 'git-gate',
    clock,
    sink: { write: (text: string) => (line = text) },
  }).info('op', { ...fields });
  return line;
}

/**
 * Hooks run under git daemon, whose stdout is the client's (or the daemon's) channel, so they
 * send their line over a unix socket to `serve`, which owns the container's stdout.
 */
export async function startOpLogRelay(runtimeDir: string, out: LogSink): Promise<Server> {
  const path = runtimeFile(runtimeDir, 'logSocket');
  await unlink(path).catch(() => {});
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) socket.destroy();
    });
    socket.on('end', () => {
      for (const line of buffer.split('\n')) if (line.trim() !== '') out.write(`${line}\n`);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return server;
}

/** Sends one operation line to `serve`; without it (run by hand), writes to `fallback`. */
export async function emitOp(
  runtimeDir: string | undefined,
  fields: OpFields,
  fallback: LogSink,
): Promise<void> {
  const line = formatOpLine(fields);
  if (runtimeDir === undefined) {
    fallback.write(line);
    return;
  }
  await new Promise<void>((resolve) => {
    const socket = createConnection(runtimeFile(runtimeDir, 'logSocket'));
    socket.on('error', () => {
      fallback.write(line);
      resolve();
    });
    socket.on('connect', () => socket.end(line, () => resolve()));
  });
}
