import type { IncomingMessage, Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { ProxyContext } from './context.js';
import type { Route } from './routes/schema.js';
import { encodedHostRefusalBody, plainBody, routeRefusalBody } from './explain.js';
import { encodedWildcardHost } from './host-labels.js';
import type { LeafCertCache } from './leaf-certs.js';
import { routeLabel, routesForHost } from './matcher.js';
import { parseAuthority, type HostPort } from './targets.js';
import { classifyUpstreamError } from './upstream-errors.js';
import { isPrivateAddress, resolveAll } from './upstream.js';
import { writeRaw } from './upgrade.js';

export interface InterceptDeps {
  leafCerts: LeafCertCache;
  /** The HTTP server that parses requests inside intercepted tunnels. */
  inner: Server;
  /** Which host:port each intercepted TLS socket was opened to. */
  tunnels: WeakMap<object, HostPort>;
}

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/**
 * CONNECT. A host whose first rule says `tls: passthrough` gets a plain TCP tunnel (after the
 * encoded-name check when that rule is a wildcard, and the private-address check). Every other
 * host, listed or not, is intercepted with a leaf minted for it, so refusals arrive inside TLS
 * where the agent's tool can print them.
 */
export async function handleConnect(
  ctx: ProxyContext,
  deps: InterceptDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const started = performance.now();
  socket.on('error', () => socket.destroy());
  const target = parseAuthority(req.url ?? '');
  const record = {
    host: target ? ctx.engine.redact(target.host) : '-',
    ...(target ? { port: target.port } : {}),
    method: 'CONNECT',
    path: '-',
    route: 'none',
    decision: 'tunnel' as const,
    status: 200,
  };
  if (!target) {
    writeRaw(
      socket,
      400,
      plainBody(400, `CONNECT ${(req.url ?? '').slice(0, 100)}`, 'CONNECT needs host:port'),
    );
    ctx.decisions.write(
      { ...record, decision: 'error', status: 400, reason: 'bad-connect' },
      started,
    );
    return;
  }
  (socket as Socket).setNoDelay?.(true);
  const routes = ctx.routes();
  const first = routesForHost(routes, target.host, target.port)[0];
  if (first?.route.tls === 'passthrough') {
    const label = routeLabel(first.route, first.index);
    // A passthrough tunnel resolves the name next, so an encoded name is refused here; an
    // intercepted one is refused inside TLS by admit(), which also runs before any lookup.
    const encoded = encodedWildcardHost(routes, first.route, target.host, target.port);
    if (encoded) {
      const request = `CONNECT ${target.host}:${target.port}`;
      writeRaw(socket, 403, encodedHostRefusalBody(request, label, encoded.why));
      ctx.decisions.write(
        {
          ...record,
          host: encoded.loggedHost,
          route: label,
          decision: 'deny',
          status: 403,
          reason: 'encoded-host',
        },
        started,
      );
      return;
    }
    await passthrough(ctx, socket, head, target, first.route, label, started);
    return;
  }
  let secureContext;
  try {
    secureContext = await deps.leafCerts.contextFor(target.host);
  } catch (error) {
    ctx.logger.error('leaf_mint_failed', { host: target.host, error });
    writeRaw(
      socket,
      502,
      plainBody(502, `CONNECT ${target.host}`, 'the proxy could not mint a certificate'),
    );
    return;
  }
  if (socket.destroyed) return;
  socket.write(ESTABLISHED);
  if (head.length > 0) socket.unshift(head);
  const tls = new TLSSocket(socket, {
    isServer: true,
    secureContext,
    ALPNProtocols: ['http/1.1'],
  });
  tls.on('error', () => tls.destroy());
  deps.tunnels.set(tls, target);
  deps.inner.emit('connection', tls);
}

async function passthrough(
  ctx: ProxyContext,
  socket: Duplex,
  head: Buffer,
  target: HostPort,
  route: Route,
  label: string,
  started: number,
): Promise<void> {
  const allowPrivate = route.private;
  const record = {
    host: ctx.engine.redact(target.host),
    port: target.port,
    method: 'CONNECT',
    path: '-',
    route: label,
    decision: 'tunnel' as const,
    status: 200,
  };
  const request = `CONNECT ${target.host}:${target.port}`;
  let address: string;
  try {
    const addresses = await resolveAll(ctx.resolver, target.host);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked && !allowPrivate) {
      const why = `${target.host} resolves to ${blocked.address}, a loopback, private or link-local address, and ${label} does not say "private: true"`;
      writeRaw(socket, 403, routeRefusalBody(request, why));
      ctx.decisions.write(
        { ...record, decision: 'deny', status: 403, reason: 'private-address' },
        started,
      );
      return;
    }
    address = addresses[0]!.address;
  } catch {
    writeRaw(socket, 502, plainBody(502, request, `cannot resolve ${target.host}`));
    ctx.decisions.write(
      { ...record, decision: 'error', status: 502, reason: 'dns-failed' },
      started,
    );
    return;
  }
  const upstream = netConnect({ host: address, port: target.port, noDelay: true });
  upstream.setTimeout(ctx.upstreamTimeoutMs, () =>
    upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
  );
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    socket.write(ESTABLISHED);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket).pipe(upstream);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    ctx.grants.bind(route, [socket, upstream], Date.now());
    ctx.decisions.write(record, started);
  });
  upstream.once('error', (error) => {
    if (connected) {
      socket.destroy();
      return;
    }
    const { status, reason, why } = classifyUpstreamError(error);
    writeRaw(socket, status, plainBody(status, request, why));
    ctx.decisions.write({ ...record, decision: 'error', status, reason }, started);
  });
}
