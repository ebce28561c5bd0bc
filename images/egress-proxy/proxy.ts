import { createServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger, type Logger, type LogSink } from '../../lib/log.js';
import { loadCa } from './ca.js';
import { handleConnect, type InterceptDeps } from './connect.js';
import type { Destination, ProxyContext } from './context.js';
import { createDecisionLog } from './decision-log.js';
import { DeniedLog } from './denied-log.js';
import { GrantLedger } from './grants.js';
import { DlpEngine } from './dlp/engine.js';
import { ownSecrets, secretsFromDir, secretsFromEnv } from './dlp/own-secrets.js';
import { plainBody } from './explain.js';
import { forwardRequest, sendText } from './forward.js';
import { LeafCertCache } from './leaf-certs.js';
import { RoutesStore } from './routes-store.js';
import { splitAbsoluteUrl, type HostPort } from './targets.js';
import { TokenAllow } from './token-allow.js';
import { relayUpgrade, writeRaw } from './upgrade.js';
import {
  createAgents,
  mappedResolver,
  systemResolver,
  upstreamTrust,
  type Resolver,
} from './upstream.js';

/** Everything startProxy needs; the CLI flags map onto it one to one. */
export interface ProxyOptions {
  routesFile: string;
  caDir: string;
  listen: HostPort;
  queueDir?: string | undefined;
  tokenAllowTimeoutMs: number;
  upstreamTimeoutMs: number;
  /** A client that has not sent its headers within this many ms gets 408. */
  headersTimeoutMs: number;
  /** name → address pins (`--resolve`), consulted before `resolver`. */
  resolve?: ReadonlyMap<string, string>;
  resolver?: Resolver;
  /**
   * Folder of secret files, one per secret name (a bottle's proxy). Without it the values come
   * from EGRESS_SECRET_* in `env`; with it that environment is ignored.
   */
  secretsDir?: string | undefined;
  /** Source of NODE_EXTRA_CA_CERTS (and EGRESS_SECRET_* without secretsDir). */
  env: NodeJS.ProcessEnv;
  /** Extra PEM certificates trusted for upstream TLS. */
  upstreamCa?: readonly string[];
  /** Decision lines (stdout in production). */
  decisionSink: LogSink;
  /** Other logs (stderr in production). */
  logSink: LogSink;
  queuePollMs?: number;
  /** denied.jsonl: the recent refusals by policy (denied-log.ts); none without it. */
  deniedLog?: string | undefined;
  /** grant-uses.jsonl: the uses of once-grants, kept across restarts (grants.ts); in memory without it. */
  grantUses?: string | undefined;
}

export interface RunningProxy {
  address: HostPort;
  /** Re-reads routes.yaml; true when new routes took effect. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
  logger: Logger;
}

/** Starts the proxy: loads routes and CA, listens, and serves until close(). */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const logger = createLogger({ component: 'egress-proxy', sink: options.logSink });
  const secrets =
    options.secretsDir === undefined
      ? secretsFromEnv(options.env)
      : await secretsFromDir(options.secretsDir);
  const store = new RoutesStore(options.routesFile, secrets, logger);
  await store.load();
  const ca = await loadCa(options.caDir);
  const stopping = new AbortController();
  const denied =
    options.deniedLog === undefined
      ? undefined
      : await DeniedLog.open({ file: options.deniedLog, logger });
  const grants = new GrantLedger(options.grantUses, logger);
  grants.reloaded(store.routes);
  const ctx: ProxyContext = {
    routes: () => grants.inForce(store.routes, Date.now()),
    grants,
    engine: new DlpEngine(ownSecrets(secrets)),
    tokenAllow: new TokenAllow({
      queueDir: options.queueDir,
      timeoutMs: options.tokenAllowTimeoutMs,
      logger,
      signal: stopping.signal,
      ...(options.queuePollMs === undefined ? {} : { pollMs: options.queuePollMs }),
    }),
    resolver: mappedResolver(options.resolve ?? new Map(), options.resolver ?? systemResolver),
    agents: createAgents(upstreamTrust(options.env, options.upstreamCa)),
    secrets,
    decisions: createDecisionLog(options.decisionSink, undefined, denied),
    logger,
    upstreamTimeoutMs: options.upstreamTimeoutMs,
  };
  const serverOptions: ServerOptions = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: 60_000,
    connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs),
    noDelay: true,
  };
  const tunnels = new WeakMap<object, HostPort>();
  const inner = createServer(serverOptions);
  const outer = createServer(serverOptions);
  const deps: InterceptDeps = { leafCerts: new LeafCertCache(ca), inner, tunnels };
  wireInner(ctx, inner, tunnels);
  wireOuter(ctx, outer, deps);
  for (const server of [inner, outer])
    server.on('clientError', (error, socket) => clientError(ctx, error, socket));
  // Tunnelled sockets leave the server's own bookkeeping, so close() tracks every socket itself.
  const sockets = new Set<Duplex>();
  outer.on('connection', (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    outer.once('error', reject);
    outer.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const bound = outer.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  logger.info('listening', {
    host: address.host,
    port: address.port,
    routes_sha256: store.sha256,
    queue: options.queueDir ?? null,
  });
  return {
    address,
    logger,
    reload: async () => {
      const loaded = await store.reload();
      if (loaded) grants.reloaded(store.routes);
      return loaded;
    },
    close: async () => {
      stopping.abort();
      const closed = Promise.all([inner, outer].map((server) => closeServer(server)));
      for (const socket of sockets) socket.destroy();
      await closed;
      await denied?.close();
      ctx.agents.http.destroy();
      ctx.agents.https.destroy();
      ctx.agents.httpsFresh.destroy();
    },
  };
}

function wireOuter(ctx: ProxyContext, outer: Server, deps: InterceptDeps): void {
  const absolute = (
    req: IncomingMessage,
  ): { dest: Destination; target: string } | { reason: string } => {
    const split = splitAbsoluteUrl(req.url ?? '');
    if (!split.ok) return { reason: split.reason };
    return { dest: { scheme: 'http', ...split.authority }, target: split.target };
  };
  outer.on('request', (req, res) => {
    const parsed = absolute(req);
    if ('reason' in parsed) {
      sendText(res, 400, plainBody(400, `${req.method} ${req.url}`, parsed.reason), req);
      return;
    }
    void forwardRequest(ctx, req, res, parsed.dest, parsed.target).catch((error) =>
      internal(ctx, error, res),
    );
  });
  outer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const parsed = absolute(req);
    if ('reason' in parsed)
      return writeRaw(socket, 400, plainBody(400, `${req.method} ${req.url}`, parsed.reason));
    void relayUpgrade(ctx, req, socket, head, parsed.dest, parsed.target).catch((error) =>
      internal(ctx, error, socket),
    );
  });
  outer.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void handleConnect(ctx, deps, req, socket, head).catch((error) => internal(ctx, error, socket));
  });
}

function wireInner(ctx: ProxyContext, inner: Server, tunnels: WeakMap<object, HostPort>): void {
  const destination = (req: IncomingMessage): Destination | { reason: string } => {
    const tunnel = tunnels.get(req.socket);
    if (!tunnel) return { reason: 'no tunnel for this connection' };
    const named = (req.headers.host ?? '')
      .toLowerCase()
      .replace(/:\d+$/, '')
      .replace(/^\[(.*)\]$/, '$1');
    if (named && named !== tunnel.host) {
      return {
        reason: `the Host header names "${named}" but the tunnel was opened to ${tunnel.host}`,
      };
    }
    return { scheme: 'https', ...tunnel };
  };
  inner.on('request', (req, res) => {
    const dest = destination(req);
    if ('reason' in dest)
      return sendText(res, 400, plainBody(400, `${req.method} ${req.url}`, dest.reason), req);
    void forwardRequest(ctx, req, res, dest, req.url ?? '/').catch((error) =>
      internal(ctx, error, res),
    );
  });
  inner.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const dest = destination(req);
    if ('reason' in dest)
      return writeRaw(socket, 400, plainBody(400, `${req.method} ${req.url}`, dest.reason));
    void relayUpgrade(ctx, req, socket, head, dest, req.url ?? '/').catch((error) =>
      internal(ctx, error, socket),
    );
  });
}

// Bad input from a client: a clear status, one decision line, and the proxy keeps serving.
function clientError(ctx: ProxyContext, error: NodeJS.ErrnoException, socket: Duplex): void {
  const [status, reason, why] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers-too-large', 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'headers-timeout', 'the request headers did not arrive in time']
        : [
            400,
            'malformed-request',
            `the request could not be parsed (${error.code ?? 'parse error'})`,
          ];
  if (socket.writable) writeRaw(socket, status, plainBody(status, 'request', why));
  else socket.destroy();
  ctx.decisions.write(
    { host: '-', method: '-', path: '-', route: 'none', decision: 'error', reason, status },
    performance.now(),
  );
}

function internal(ctx: ProxyContext, error: unknown, target: { destroy(): void }): void {
  ctx.logger.error('internal_error', { error });
  target.destroy();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
