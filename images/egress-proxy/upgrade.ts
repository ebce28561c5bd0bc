import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { admit } from './admit.js';
import { origin, type Destination, type ProxyContext } from './context.js';
import { encodedResponseBody, plainBody } from './explain.js';
import { responseEncoding } from './forward.js';
import { classifyUpstreamError } from './upstream-errors.js';
import { openUpstream } from './upstream-request.js';
import { relayWebSocket } from './ws-relay.js';

/**
 * HTTP Upgrade (WebSocket) on an allowed route: the handshake goes through the same checks
 * and credential injection as any request, then ws-relay.ts relays the session message by
 * message, scanning what each side sends.
 */
export async function relayUpgrade(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  dest: Destination,
  target: string,
): Promise<void> {
  const started = performance.now();
  socket.on('error', () => socket.destroy());
  const result = await admit(ctx, req, dest, target, { upgrade: true });
  const request = `${result.record.method} ${origin(dest)}${result.record.path}`;
  if (!result.ok) {
    writeRaw(socket, result.status, result.body);
    ctx.decisions.write(result.record, started);
    return;
  }
  // A fresh connection each time: an upgraded socket never goes back to a keep-alive pool.
  const upstream = openUpstream(ctx, result, dest, false);
  // An upstream that echoes the injected credential must not hand it to the agent: the 101's
  // headers and a refusal's body are checked for the bottle's own secrets like any response.
  const reflected = (text: string): boolean => {
    const hit = ctx.engine.scanOwn(text)[0];
    if (!hit) return false;
    const secret = hit.detector.split(':')[1] ?? 'unknown';
    ctx.logger.error('response_reflected_secret', { request, secret });
    const why = `the upstream's response carried the bottle's own secret "${secret}" (it echoed the injected credential); it was withheld`;
    writeRaw(socket, 502, plainBody(502, request, why));
    ctx.decisions.write(
      { ...result.record, status: 502, reason: 'reflection', decision: 'error' },
      started,
    );
    return true;
  };
  upstream.on('upgrade', (upRes, upSocket, upHead) => {
    upstream.setTimeout(0);
    upSocket.setTimeout(0);
    const lines = [
      `HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}`,
    ];
    for (let i = 0; i < upRes.rawHeaders.length; i += 2)
      lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
    if (reflected(Buffer.from(lines.join('\n'), 'utf8').toString('latin1'))) {
      upSocket.destroy();
      return;
    }
    const uninspectable = uninspectableSwitch(upRes);
    if (uninspectable !== undefined) {
      upSocket.destroy();
      ctx.logger.error('upgrade_uninspectable', { request, reason: uninspectable.reason });
      writeRaw(socket, 502, plainBody(502, request, uninspectable.why));
      ctx.decisions.write(
        { ...result.record, status: 502, reason: uninspectable.reason, decision: 'error' },
        started,
      );
      return;
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const record = { ...result.record, status: upRes.statusCode ?? 101 };
    ctx.decisions.write(record, started);
    relayWebSocket(
      { ctx, route: result.route, record, started, request },
      socket,
      upSocket,
      head,
      upHead,
    );
    ctx.grants.bind(result.route, [socket, upSocket], Date.now());
  });
  upstream.on('response', (upRes) => {
    // The upstream declined the upgrade: pass its answer on (once checked) and close.
    const encoding = result.route.auth ? responseEncoding(upRes) : undefined;
    if (encoding !== undefined) {
      upRes.destroy();
      ctx.logger.error('response_encoded', { request, encoding });
      writeRaw(socket, 502, encodedResponseBody(request, encoding));
      ctx.decisions.write(
        { ...result.record, status: 502, reason: 'encoded-response', decision: 'error' },
        started,
      );
      return;
    }
    const body: Buffer[] = [];
    upRes.on('data', (chunk: Buffer) => body.push(chunk));
    upRes.on('end', () => {
      const bytes = Buffer.concat(body);
      const headerText = Object.entries(upRes.headers)
        .map(([name, value]) => `${name}: ${String(value)}`)
        .join('\n');
      const text = `${Buffer.from(headerText, 'utf8').toString('latin1')}\n${bytes.toString('latin1')}`;
      if (reflected(text)) return;
      writeRaw(socket, upRes.statusCode ?? 502, bytes.toString('utf8'));
      ctx.decisions.write({ ...result.record, status: upRes.statusCode ?? 502 }, started);
    });
  });
  upstream.on('error', (error) => {
    const { status, reason, why } = classifyUpstreamError(error);
    writeRaw(socket, status, plainBody(status, request, why));
    ctx.decisions.write({ ...result.record, status, reason, decision: 'error' }, started);
  });
  upstream.end();
}

/**
 * Why a 101 cannot be relayed, or undefined when it can: the relay reads WebSocket frames only,
 * uncompressed. The client's Sec-WebSocket-Extensions never reaches the upstream (admit.ts), so
 * an upstream that names an extension anyway would send frames the scanner cannot read.
 */
export function uninspectableSwitch(
  upRes: IncomingMessage,
): { reason: string; why: string } | undefined {
  const protocol = String(upRes.headers.upgrade ?? '').trim();
  if (protocol.toLowerCase() !== 'websocket') {
    return {
      reason: 'upgrade-protocol',
      why: `the upstream switched to "${protocol}"; only WebSocket sessions are relayed, because the proxy scans their messages`,
    };
  }
  const extensions = String(upRes.headers['sec-websocket-extensions'] ?? '').trim();
  if (extensions !== '') {
    return {
      reason: 'ws-extension',
      why: `the upstream answered with the WebSocket extension "${extensions}" that nobody offered it; compressed frames cannot be scanned, so the session was refused`,
    };
  }
  return undefined;
}

/** A whole HTTP/1.1 response written straight to a socket, which then closes. */
export function writeRaw(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};
