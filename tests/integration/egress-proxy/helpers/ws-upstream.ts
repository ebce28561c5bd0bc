import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** One message a WebSocket endpoint of the test upstream received. */
export interface ReceivedMessage {
  path: string;
  data: Buffer;
  binary: boolean;
}

/** The upstream's real WebSocket endpoints (the `ws` library as a server). */
export interface WsUpstream {
  received: ReceivedMessage[];
  /** Close codes the upstream's sessions ended with, as it saw them. */
  closes: number[];
  /** Takes an Upgrade whose path is one of its own; false leaves it to the caller. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * `/ws-echo` echoes every message (text stays text, binary stays binary) and would negotiate
 * permessage-deflate if it were offered; `/ws-reflect-message` sends the Authorization header
 * it received as its first message (a misbehaving upstream); `/ws-deflate-101` answers a raw
 * 101 naming permessage-deflate although nobody offered it.
 */
export function createWsUpstream(): WsUpstream {
  const received: ReceivedMessage[] = [];
  const closes: number[] = [];
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const track = (ws: WebSocket, path: string): void => {
    ws.on('message', (data: Buffer, binary) => {
      received.push({ path, data, binary });
      if (path === '/ws-echo') ws.send(data, { binary });
    });
    ws.on('close', (code) => closes.push(code));
    ws.on('error', () => ws.terminate());
  };
  return {
    received,
    closes,
    handle(req, socket, head) {
      const path = req.url ?? '';
      if (path === '/ws-deflate-101') {
        const accept = createHash('sha1')
          .update(`${req.headers['sec-websocket-key'] ?? ''}${GUID}`)
          .digest('base64');
        socket.end(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
        );
        return true;
      }
      if (path !== '/ws-echo' && path !== '/ws-reflect-message') return false;
      server.handleUpgrade(req, socket, head, (ws) => {
        track(ws, path);
        if (path === '/ws-reflect-message') ws.send(`you sent ${req.headers.authorization ?? ''}`);
      });
      return true;
    },
    close() {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}
