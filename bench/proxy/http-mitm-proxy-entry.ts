// http-mitm-proxy (npm) as the bench's third proxy, in its own process: bundled by bundle.ts and
// started by http-mitm-proxy.ts with the rule in the environment, the same rule routes.yaml
// gives this project's proxy and mitm-addon.py gives mitmdump:
//
//   BENCH_ROUTE_HOST     host:port the route allows (CONNECT and Host must name it)
//   BENCH_ROUTE_PATHS    comma-separated path prefixes ("/1k" covers /1k and /1k/..., not /1kb)
//   BENCH_ROUTE_METHODS  comma-separated methods
//   BENCH_AUTH_HEADER    header to inject (the agent's own value is dropped)
//   BENCH_AUTH_SCHEME    scheme word before the secret ("Bearer")
//   EGRESS_SECRET_BENCH  the secret; also refused if it shows up in a request body
//   BENCH_RESOLVE        host=ip: the bench host resolves only inside the harness
//   BENCH_CA_DIR         http-mitm-proxy's sslCaDir: its own CA, created on the first start
//   BENCH_UPSTREAM_CA    PEM file the upstream's certificate must chain to
//
// Everything else gets a 403 with a one-line explanation. Like the addon, this is a rule, not a
// port of the project's proxy: no path normalisation, no secret-shape detectors, no response
// scanning. Prints {"event":"listening","port":N} on stderr once bound, as the others do.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'node:https';
import type { Duplex } from 'node:stream';
import { Proxy, type IContext } from 'http-mitm-proxy';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const ROUTE_HOST = env('BENCH_ROUTE_HOST').toLowerCase();
const PATHS = env('BENCH_ROUTE_PATHS').split(',').filter(Boolean);
const METHODS = new Set(env('BENCH_ROUTE_METHODS').toUpperCase().split(',').filter(Boolean));
const AUTH_HEADER = env('BENCH_AUTH_HEADER').toLowerCase();
const SECRET = Buffer.from(env('EGRESS_SECRET_BENCH'));
const AUTH_VALUE = `${env('BENCH_AUTH_SCHEME')} ${SECRET.toString()}`;
const [RESOLVE_NAME = '', RESOLVE_IP = ''] = (process.env.BENCH_RESOLVE ?? '').split('=');

const hasPrefix = (path: string, prefix: string): boolean =>
  prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(`${prefix}/`);

function deny(res: ServerResponse, why: string): void {
  const body = `403 refused by the bench rule: ${why}\n`;
  res.writeHead(403, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Why the request may not pass, or undefined when the rule allows it. */
function refusal(req: IncomingMessage): string | undefined {
  const authority = (req.headers.host ?? '').toLowerCase();
  if (authority !== ROUTE_HOST) return `no rule names the host ${authority}`;
  const path = (req.url ?? '').split('?', 1)[0]!;
  if (!PATHS.some((prefix) => hasPrefix(path, prefix)))
    return `${req.method} ${path}: allows only paths starting with ${PATHS.join(', ')}`;
  if (!METHODS.has((req.method ?? '').toUpperCase()))
    return `${req.method} ${path}: allows only methods ${[...METHODS].sort().join(', ')}`;
  return undefined;
}

// Keep-alive to the upstream (ours pools upstream connections too), verified against its CA.
const upstreamAgent = new Agent({ keepAlive: true, ca: readFileSync(env('BENCH_UPSTREAM_CA')) });
const proxy = new Proxy();

proxy.onConnect((req: IncomingMessage, socket: Duplex, _head: unknown, callback) => {
  const target = (req.url ?? '').toLowerCase();
  if (target === ROUTE_HOST) return callback();
  const body = `403 refused by the bench rule: no rule names the host ${target}\n`;
  socket.end(
    `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  return undefined; // the callback is never called: the tunnel is not opened
});

// Per request: the rule, the injected credential, and the secret check on the body as it streams.
// The check keeps back the last secret.length - 1 bytes, so a secret split across chunks is seen
// whole before any of it leaves (ours holds an overlap for the same reason).
const held = new WeakMap<IContext, { tail: Buffer; refused: boolean }>();

proxy.onRequest((ctx, callback) => {
  const why = refusal(ctx.clientToProxyRequest);
  if (why) return deny(ctx.proxyToClientResponse, why); // never forwarded
  const options = ctx.proxyToServerRequestOptions!;
  for (const name of Object.keys(options.headers)) {
    if (name.toLowerCase() === AUTH_HEADER) delete options.headers[name];
  }
  options.headers[AUTH_HEADER] = AUTH_VALUE;
  if (RESOLVE_IP && options.host.toLowerCase() === RESOLVE_NAME) {
    // Connect to the harness-only address, keep the name for SNI and the certificate check.
    Object.assign(options, { servername: options.host, host: RESOLVE_IP });
  }
  held.set(ctx, { tail: Buffer.alloc(0), refused: false });
  return callback();
});

proxy.onRequestData((ctx, chunk, callback) => {
  const state = held.get(ctx)!;
  if (state.refused) return callback(null, undefined);
  const region = state.tail.length === 0 ? chunk : Buffer.concat([state.tail, chunk]);
  if (region.includes(SECRET)) {
    state.refused = true;
    ctx.proxyToServerRequest?.destroy();
    deny(ctx.proxyToClientResponse, "the request body carries the bottle's own secret");
    return callback(null, undefined);
  }
  const cut = Math.max(0, region.length - (SECRET.length - 1));
  state.tail = Buffer.from(region.subarray(cut));
  return callback(null, cut > 0 ? region.subarray(0, cut) : undefined);
});

proxy.onRequestEnd((ctx, callback) => {
  const state = held.get(ctx);
  if (state?.refused) return undefined; // answered already; the upstream request was dropped
  if (state && state.tail.length > 0) ctx.proxyToServerRequest!.write(state.tail);
  return callback();
});

proxy.listen(
  {
    host: '127.0.0.1',
    port: 0,
    sslCaDir: env('BENCH_CA_DIR'),
    keepAlive: true,
    httpsAgent: upstreamAgent,
  },
  (error?: Error | null) => {
    if (error) throw error;
    process.stderr.write(`${JSON.stringify({ event: 'listening', port: proxy.httpPort })}\n`);
  },
);
process.once('SIGTERM', () => {
  proxy.close();
  process.exit(0);
});
