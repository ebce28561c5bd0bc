import type { Readable, Writable } from 'node:stream';
import type { ServerContext } from '../context.js';
import { StdioServerTransport } from '../sdk.js';
import { createServer } from '../server.js';

export interface StdioStreams {
  stdin: Readable;
  stdout: Writable;
}

/**
 * Serves one client over stdin/stdout until stdin ends or `signal` aborts. stdout carries
 * nothing but the protocol; logs go to stderr.
 */
export async function serveStdio(
  ctx: ServerContext,
  streams: StdioStreams,
  signal?: AbortSignal,
): Promise<void> {
  const { server, cleanup } = createServer(ctx);
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  const ended = new Promise<void>((resolve) => {
    streams.stdin.once('end', resolve);
    streams.stdin.once('close', resolve);
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  ctx.log.info('serving', { transport: 'stdio', state: ctx.stateDir });
  await ended;
  await cleanup();
}
