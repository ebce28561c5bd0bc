import type { Duplex } from 'node:stream';
import type { ProxyContext } from './context.js';
import type { DecisionRecord } from './decision-log.js';
import { dedupe } from './dlp/body-scanner.js';
import type { Route } from './routes/schema.js';
import { FramePipe, type Inspection } from './ws-frame-pipe.js';
import { closeReason, type ProtocolFailure } from './ws-framing.js';
import { MessageWindow } from './ws-window.js';

/** An upgraded connection the proxy relays: what it was admitted as, for checks and logs. */
export interface WebSocketSession {
  ctx: ProxyContext;
  route: Route;
  /** The handshake's decision line; refusals write another one from it. */
  record: DecisionRecord;
  started: number;
  /** `GET https://host/path`, for log lines. */
  request: string;
}

/** Why the proxy ended a session: its decision-line fields, the close reason and a log line. */
interface Refusal {
  record: Partial<DecisionRecord>;
  close: string;
  log(): void;
}

// A closed session's sockets get this long to flush the close frame and see the peer's FIN.
const CLOSE_GRACE_MS = 5000;

/**
 * Relays a WebSocket session after the 101, message by message: the client's messages are
 * scanned by the DLP engine (on a route with dlp) and the upstream's for the bottle's own
 * secrets (on a route with auth). A refusal closes both sides with 1008, a broken frame with
 * the code the parser names (1002 protocol error, 1009 too big, 1007 bad UTF-8).
 */
export function relayWebSocket(
  session: WebSocketSession,
  client: Duplex,
  upstream: Duplex,
  clientHead: Buffer,
  upstreamHead: Buffer,
): void {
  const { ctx, record, started, request } = session;
  const pipes: FramePipe<Refusal>[] = [];
  const shutdown = (code: number, reason: string): void => {
    for (const pipe of pipes) pipe.close(code, reason);
    endGracefully(client);
    endGracefully(upstream);
  };
  const onRefused = (refusal: Refusal): void => {
    refusal.log();
    ctx.decisions.write({ ...record, ...refusal.record }, started);
    shutdown(1008, closeReason(refusal.close));
  };
  const onBroken = (failure: ProtocolFailure): void => {
    ctx.logger.warn('websocket_protocol_error', {
      request,
      code: failure.code,
      error: failure.detail,
    });
    ctx.decisions.write(
      { ...record, decision: 'error', reason: failure.reason, status: failure.code },
      started,
    );
    shutdown(failure.code, closeReason(`claude-bottle egress proxy: ${failure.detail}`));
  };
  // Both close frames have crossed: the closing handshake is done.
  let concluded = 0;
  const onConcluded = (): void => {
    if (++concluded < 2) return;
    endGracefully(client);
    endGracefully(upstream);
  };
  const common = { onRefused, onBroken, onConcluded };
  const outbound = new FramePipe<Refusal>({
    source: client,
    target: upstream,
    fromClient: true,
    inspect: session.route.dlp ? outboundInspector(session) : () => undefined,
    ...common,
  });
  const inbound = new FramePipe<Refusal>({
    source: upstream,
    target: client,
    fromClient: false,
    // Only routes with auth had a secret injected, so only their sessions can reflect one.
    inspect: session.route.auth ? reflectionInspector(session) : () => undefined,
    ...common,
  });
  pipes.push(outbound, inbound);
  upstream.on('error', () => upstream.destroy());
  client.on('close', () => endGracefully(upstream));
  upstream.on('close', () => endGracefully(client));
  outbound.start(clientHead);
  inbound.start(upstreamHead);
}

/** DLP on what the agent sends, with the token-allow flow deciding any hit (as for bodies). */
function outboundInspector(session: WebSocketSession): (payload: Buffer) => Inspection<Refusal> {
  const { ctx, record, request } = session;
  const window = new MessageWindow(ctx.engine.overlap);
  return (payload) => {
    if (payload.length === 0) return undefined;
    const hits = window.scan(payload, (text) => ctx.engine.scan(text, true));
    if (hits.length === 0) return undefined;
    const found = dedupe(hits);
    const { detector, own } = found[0]!;
    const next = own ? "the bottle's own secrets never leave" : 'remove it, or ask for approval';
    const refusal = (why: string): Refusal => ({
      record: { decision: 'deny', reason: 'dlp', detector, status: 1008 },
      close: `claude-bottle egress proxy: blocked a message carrying a ${detector} (DLP); ${next}`,
      log: () => ctx.logger.warn('websocket_message_refused', { request, detector, why }),
    });
    return ctx.tokenAllow
      .decide(found, { host: record.host, method: record.method, path: record.path })
      .then(
        (verdict) => (verdict.pass ? undefined : refusal(verdict.reason)),
        () => refusal('the token-allow decision failed'),
      );
  };
}

/** The bottle's own secrets in what the upstream sends (it echoed the injected credential). */
function reflectionInspector(session: WebSocketSession): (payload: Buffer) => Inspection<Refusal> {
  const { ctx, request } = session;
  const window = new MessageWindow(ctx.engine.overlap);
  return (payload) => {
    if (payload.length === 0) return undefined;
    const hit = window.scan(payload, (text) => ctx.engine.scanOwn(text))[0];
    if (!hit) return undefined;
    const secret = hit.detector.split(':')[1] ?? 'unknown';
    return {
      record: { decision: 'error', reason: 'reflection', status: 1008 },
      close: `claude-bottle egress proxy: the upstream sent the bottle's own secret "${secret}"; withheld`,
      log: () => ctx.logger.error('response_reflected_secret', { request, secret }),
    };
  };
}

function endGracefully(socket: Duplex): void {
  if (socket.destroyed || socket.writableEnded) return;
  socket.end();
  // A peer that never answers the FIN must not hold the socket open.
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
