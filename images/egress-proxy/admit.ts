import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { origin, type Destination, type ProxyContext } from './context.js';
import type { DecisionRecord } from './decision-log.js';
import { dedupe } from './dlp/body-scanner.js';
import { urlDecodeLatin1 } from './dlp/engine.js';
import { secretValue } from './dlp/own-secrets.js';
import {
  cleartextRefusalBody,
  dlpRefusalBody,
  encodedHostRefusalBody,
  gitPushRefusalBody,
  plainBody,
  routeRefusalBody,
} from './explain.js';
import { matchSparingUses } from './grants.js';
import { encodedWildcardHost } from './host-labels.js';
import { isGitPush, isGitPushContentType, normalisePath } from './path.js';
import type { Route } from './routes/schema.js';
import { isPrivateAddress, resolveAll } from './upstream.js';

/** A request cleared to go upstream: its route, outgoing headers and a checked address. */
export interface Admitted {
  ok: true;
  route: Route;
  label: string;
  /** Normalised path plus the original query. */
  path: string;
  headers: OutgoingHttpHeaders;
  address: string;
  record: DecisionRecord;
}

export interface Refused {
  ok: false;
  status: number;
  body: string;
  record: DecisionRecord;
}

// Hop-by-hop headers never cross the proxy (RFC 9110 §7.6.1), plus the proxy's own.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'cookie'];

/**
 * Everything decided before a byte goes upstream, in order: path normalisation, the git push
 * refusal, route matching and the encoded-name check on wildcard routes (before any DNS),
 * header/path/query DLP, credential stripping and injection, then DNS and the private-address
 * check.
 */
export async function admit(
  ctx: ProxyContext,
  req: IncomingMessage,
  dest: Destination,
  target: string,
  keep: { upgrade?: boolean } = {},
): Promise<Admitted | Refused> {
  const method = (req.method ?? 'GET').toUpperCase();
  const record: DecisionRecord = {
    // A name can carry data (`<hex of a secret>.example.test`): logged with every match redacted.
    host: ctx.engine.redact(dest.host),
    port: dest.port,
    method,
    path: '-',
    route: 'none',
    decision: 'deny',
    status: 403,
  };
  const refuse = (
    status: number,
    reason: string,
    body: string,
    extra: Partial<DecisionRecord> = {},
  ): Refused => {
    Object.assign(record, {
      status,
      reason,
      decision: status === 403 ? 'deny' : 'error',
      ...extra,
    });
    return { ok: false, status, body, record };
  };
  const normal = normalisePath(target);
  const described = (path: string): string => `${method} ${origin(dest)}${path}`;
  if (!normal.ok) return refuse(400, 'bad-path', plainBody(400, described(''), normal.reason));
  record.path = ctx.engine.redact(normal.path);
  const request = described(record.path);
  if (isGitPush(normal.path, normal.query) || isGitPushContentType(req.headers['content-type']))
    return refuse(403, 'git-push', gitPushRefusalBody(request));
  if (dest.scheme === 'http' && dest.port === 443) {
    const why =
      'plain http:// to port 443 is refused: port 443 speaks TLS; use https:// (through CONNECT)';
    return refuse(403, 'cleartext', cleartextRefusalBody(request, why));
  }

  const routes = ctx.routes();
  const match = matchSparingUses(routes, {
    host: dest.host,
    port: dest.port,
    path: normal.path,
    method,
  });
  record.route = match.label;
  if (!match.allowed) return refuse(403, 'no-route', routeRefusalBody(request, match.reason));
  const { route } = match;
  const encoded = encodedWildcardHost(routes, route, dest.host, dest.port);
  if (encoded) {
    const body = encodedHostRefusalBody(request, match.label, encoded.why);
    return refuse(403, 'encoded-host', body, { host: encoded.loggedHost });
  }
  if (route.auth && dest.scheme !== 'https') {
    const why = `${match.label} injects a credential, and the proxy injects credentials only into requests that reach the upstream over TLS; this one is plain http://, so the credential would cross the network unencrypted`;
    return refuse(403, 'cleartext', cleartextRefusalBody(request, why));
  }

  const headers = forwardHeaders(req.headers, route, keep.upgrade === true);
  // The query both raw and URL-decoded: decoding turns "+" into a space, which would hide a
  // base64 value that holds a "+".
  const scanned = [
    normal.path,
    normal.query,
    urlDecodeLatin1(normal.query),
    ...Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`),
  ].join('\n');
  // Own-secret hits first: a request that must be refused never files a proposal first.
  const hits = dedupe(ctx.engine.scan(Buffer.from(scanned, 'utf8').toString('latin1')));
  if (hits.length > 0) {
    const verdict = await ctx.tokenAllow.decide(hits, {
      host: dest.host,
      method,
      path: record.path,
    });
    if (!verdict.pass) {
      const detector = hits[0]!.detector;
      return refuse(403, 'dlp', dlpRefusalBody(request, detector, verdict.reason), { detector });
    }
  }

  if (route.auth) {
    const value = secretValue(ctx.secrets, route.auth.secret);
    if (value === undefined) {
      ctx.logger.error('secret_missing', {
        secret: route.auth.secret,
        from: ctx.secrets.where(route.auth.secret),
      });
      const why = `the proxy has no value for the secret "${route.auth.secret}" that ${match.label} injects; the operator must define it in the bottle's secrets:`;
      return refuse(502, 'secret-missing', plainBody(502, request, why));
    }
    headers[route.auth.header.toLowerCase()] = route.auth.scheme
      ? `${route.auth.scheme} ${value}`
      : value;
    // The response is checked for the injected credential byte for byte; a compressed body
    // would hide it, so ask for none (and forward.ts refuses a response that is compressed).
    headers['accept-encoding'] = 'identity';
  }
  headers.host = hostHeader(dest);

  let addresses;
  try {
    addresses = await resolveAll(ctx.resolver, dest.host);
  } catch (error) {
    const why = `cannot resolve ${dest.host}: ${(error as NodeJS.ErrnoException).code ?? 'lookup failed'}`;
    return refuse(502, 'dns-failed', plainBody(502, request, why));
  }
  const blocked = addresses.find((a) => isPrivateAddress(a.address));
  if (blocked && !route.private) {
    const why = `${dest.host} resolves to ${blocked.address}, a loopback, private or link-local address, and ${match.label} does not say "private: true"`;
    return refuse(403, 'private-address', routeRefusalBody(request, why));
  }
  // Last, so a request refused for any other reason never spends a once-grant.
  const use = ctx.grants.take(route, Date.now());
  if (!use.ok) return refuse(403, 'no-route', routeRefusalBody(request, use.reason));
  const path = normal.query ? `${normal.path}?${normal.query}` : normal.path;
  record.decision = 'allow';
  return {
    ok: true,
    route,
    label: match.label,
    path,
    headers,
    address: addresses[0]!.address,
    record,
  };
}

function forwardHeaders(
  incoming: IncomingHttpHeaders,
  route: Route,
  upgrade: boolean,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const connectionTokens = String(incoming.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  const stripped = new Set(
    route.auth ? [...CREDENTIAL_HEADERS, route.auth.header.toLowerCase()] : [],
  );
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (upgrade && name === 'upgrade') {
      headers.upgrade = String(value);
      continue;
    }
    // No permessage-deflate: the relay scans each WebSocket message as sent, and a compressed
    // one would pass unread (upgrade.ts refuses a 101 that names an extension anyway).
    if (upgrade && name === 'sec-websocket-extensions') continue;
    if (stripped.has(name) || connectionTokens.includes(name)) continue;
    if (HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  if (upgrade) headers.connection = 'Upgrade';
  return headers;
}

function hostHeader(dest: Destination): string {
  const host = dest.host.includes(':') ? `[${dest.host}]` : dest.host;
  return dest.port === (dest.scheme === 'https' ? 443 : 80) ? host : `${host}:${dest.port}`;
}
