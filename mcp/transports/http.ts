import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerContext } from '../context.js';
import { StreamableHTTPServerTransport } from '../sdk.js';
import { createServer } from '../server.js';
import { allowedHostSet, bearerMatches, hostAllowed } from './http-auth.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Host header names accepted (each also with `:<port>`). */
  allowedHosts: readonly string[];
  /** The bottle's bearer token; never logged. */
  token: string;
}

export interface HttpHandle {
  port: number;
  close(): Promise<void>;
}

const MCP_PATH = '/mcp';

/**
 * Streamable HTTP on `/mcp`, stateless: each POST gets its own server and transport, so a
 * tool call's SSE response carries its progress and result, and a restart loses nothing (the
 * queue is on disk). Host is checked before the token; both before anything is parsed.
 */
export async function serveHttp(ctx: ServerContext, options: HttpOptions): Promise<HttpHandle> {
  let allowed = new Set<string>();
  const httpServer = createHttpServer((req, res) => {
    handle(ctx, req, res, allowed, options.token).catch((error: unknown) => {
      ctx.log.error('http_request_failed', { error });
      if (!res.headersSent) reply(res, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  allowed = allowedHostSet(options.allowedHosts, port);
  ctx.log.info('listening', {
    transport: 'http',
    host: options.host,
    port,
    path: MCP_PATH,
    allowed_hosts: [...allowed],
    state: ctx.stateDir,
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}

async function handle(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  allowed: ReadonlySet<string>,
  token: string,
): Promise<void> {
  if (!hostAllowed(req.headers.host, allowed)) {
    ctx.log.warn('http_refused', {
      status: 403,
      reason: 'host not allowed',
      host: req.headers.host,
    });
    return reply(res, 403, `Host "${req.headers.host ?? ''}" is not allowed`);
  }
  if (!bearerMatches(req.headers.authorization, token)) {
    ctx.log.warn('http_refused', {
      status: 401,
      reason: req.headers.authorization ? 'wrong token' : 'no token',
    });
    res.setHeader('WWW-Authenticate', 'Bearer realm="supervise"');
    return reply(res, 401, 'a valid "Authorization: Bearer <token>" header is required');
  }
  const path = new URL(req.url ?? '/', 'http://supervise').pathname;
  if (path !== MCP_PATH) return reply(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
  if (req.method !== 'POST') {
    // Stateless: there is no session stream to GET and no session to DELETE.
    res.setHeader('Allow', 'POST');
    return reply(res, 405, 'this endpoint accepts POST only');
  }
  const { server, cleanup } = createServer(ctx);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  // A closed response aborts the tool call's wait (the proposal itself stays queued).
  res.on('close', () => {
    void transport.close().then(cleanup);
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify({ error: message })}\n`);
}
