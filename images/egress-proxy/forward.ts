import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { admit, type Admitted } from './admit.js';
import { origin, type Destination, type ProxyContext } from './context.js';
import type { DecisionRecord } from './decision-log.js';
import { BodyScanner } from './dlp/body-scanner.js';
import { ReflectionError, ReflectionGuard } from './dlp/reflection-guard.js';
import { dlpRefusalBody, encodedResponseBody, plainBody } from './explain.js';
import { classifyUpstreamError } from './upstream-errors.js';
import { openUpstream } from './upstream-request.js';

const RESPONSE_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

class DlpRefusal extends Error {
  constructor(
    readonly detector: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Handles one proxied request end to end and writes its decision line. */
export async function forwardRequest(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  dest: Destination,
  target: string,
): Promise<void> {
  const started = performance.now();
  const result = await admit(ctx, req, dest, target);
  let record = result.record;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    ctx.decisions.write(record, started);
  };
  if (!result.ok) {
    sendText(res, result.status, result.body, req);
    finish();
    return;
  }
  const fail = (status: number, update: Partial<DecisionRecord>, body: string): void => {
    if (finished) return;
    record = { ...record, decision: status === 403 ? 'deny' : 'error', status, ...update };
    if (!res.headersSent) sendText(res, status, body, req);
    else res.destroy();
  };
  const request = `${record.method} ${origin(dest)}${record.path}`;
  let body: Readable = req;
  let scanner: BodyScanner | undefined;
  const bodyEncoding = contentEncoding(req.headers['content-encoding']);
  if (hasBody(req) && result.route.dlp && bodyEncoding !== undefined) {
    const why = `the request body has content-encoding "${bodyEncoding}"; on a route with dlp the body is scanned byte for byte and a compressed body would pass unread, so it is refused. Send it uncompressed`;
    fail(403, { reason: 'encoded-body' }, plainBody(403, request, why));
    finish();
    return;
  }
  if (hasBody(req) && result.route.dlp) {
    scanner = new BodyScanner({
      engine: ctx.engine,
      initialHoldBytes: 64 * 1024,
      onHits: async (hits) => {
        const verdict = await ctx.tokenAllow.decide(hits, {
          host: dest.host,
          method: record.method,
          path: record.path,
        });
        if (!verdict.pass) throw new DlpRefusal(hits[0]!.detector, verdict.reason);
      },
    });
    body = req.pipe(scanner);
    try {
      await scanner.ready;
    } catch (error) {
      refuseBody(error);
      return;
    }
  }
  function refuseBody(error: unknown): void {
    if (error instanceof DlpRefusal) {
      fail(
        403,
        { reason: 'dlp', detector: error.detector },
        dlpRefusalBody(request, error.detector, error.reason),
      );
    } else {
      fail(
        400,
        { reason: 'client-aborted' },
        plainBody(400, request, 'the request body could not be read'),
      );
    }
    finish();
  }
  const upstream = openUpstream(ctx, result, dest, true);
  // A stream (an upload, SSE, a long download) a grant let in ends with the grant.
  ctx.grants.bind(result.route, [upstream, res], Date.now());
  scanner?.on('error', (error) => {
    upstream.destroy();
    refuseBody(error);
  });
  // The client went away before its answer was complete: stop the upstream side too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  body.pipe(upstream);
  upstream.on('error', (error) => {
    const { status, reason, why } = classifyUpstreamError(error);
    fail(status, { reason }, plainBody(status, request, why));
    finish();
  });
  upstream.on('response', (upRes) => {
    relayResponse(ctx, result, upRes, res, request).then(
      (update) => {
        record = { ...record, ...update };
        finish();
      },
      () => {
        finish();
      },
    );
  });
}

async function relayResponse(
  ctx: ProxyContext,
  admitted: Admitted,
  upRes: IncomingMessage,
  res: ServerResponse,
  request: string,
): Promise<Partial<DecisionRecord>> {
  const status = upRes.statusCode ?? 502;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upRes.headers)) {
    if (value !== undefined && !RESPONSE_HOP_BY_HOP.has(name)) headers[name] = value;
  }
  let source: Readable = upRes;
  if (admitted.route.auth) {
    const encoding = responseEncoding(upRes);
    if (encoding !== undefined) {
      upRes.destroy();
      ctx.logger.error('response_encoded', { request, encoding });
      if (!res.headersSent) sendText(res, 502, encodedResponseBody(request, encoding));
      else res.destroy();
      return { status: 502, decision: 'error', reason: 'encoded-response' };
    }
    // Only routes with auth had a secret injected, so only their responses can reflect one.
    const headerText = Object.entries(headers)
      .map(([n, v]) => `${n}: ${String(v)}`)
      .join('\n');
    const reflected = ctx.engine.scanOwn(Buffer.from(headerText, 'utf8').toString('latin1'))[0];
    const guard = new ReflectionGuard(ctx.engine);
    source = upRes.pipe(guard);
    try {
      if (reflected) throw new ReflectionError(reflected.detector.split(':')[1] ?? 'unknown');
      await guard.ready;
    } catch (error) {
      upRes.destroy();
      return refuseReflection(ctx, res, request, error);
    }
    guard.on('error', (error) => {
      void refuseReflection(ctx, res, request, error);
    });
  }
  res.writeHead(status, headers);
  source.pipe(res);
  await new Promise<void>((resolve) => res.on('close', resolve));
  return { status };
}

function refuseReflection(
  ctx: ProxyContext,
  res: ServerResponse,
  request: string,
  error: unknown,
): Partial<DecisionRecord> {
  const secret = error instanceof ReflectionError ? error.secret : 'unknown';
  ctx.logger.error('response_reflected_secret', { request, secret });
  const why = `the upstream's response carried the bottle's own secret "${secret}" (it echoed the injected credential); it was withheld`;
  if (!res.headersSent) sendText(res, 502, plainBody(502, request, why));
  else res.destroy();
  return { status: 502, decision: 'error', reason: 'reflection' };
}

/** The content-coding of a message, or undefined when it is absent or identity. */
export function contentEncoding(header: string | string[] | undefined): string | undefined {
  const codings = String(header ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity');
  return codings.length === 0 ? undefined : codings.join(', ');
}

/**
 * Any coding on a response that would keep its bytes from being scanned as sent: a
 * content-encoding other than identity, or a transfer-coding other than chunked.
 */
export function responseEncoding(upRes: IncomingMessage): string | undefined {
  const content = contentEncoding(upRes.headers['content-encoding']);
  if (content !== undefined) return content;
  const transfer = String(upRes.headers['transfer-encoding'] ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'chunked' && token !== 'identity');
  return transfer.length === 0 ? undefined : transfer.join(', ');
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A plain-text refusal; the connection closes when the request body was left unread. */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  req?: IncomingMessage,
): void {
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  if (req && !req.complete) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
