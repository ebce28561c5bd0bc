import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { TestCa } from './pki.js';
import { createWsUpstream, type WsUpstream } from './ws-upstream.js';

/** What the upstream saw: the test asserts on it (and on its absence). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestUpstream {
  port: number;
  seen: SeenRequest[];
  /** Its real WebSocket endpoints (`/ws-echo` …), see ws-upstream.ts. */
  ws: WsUpstream;
  close(): Promise<void>;
}

/**
 * A real HTTPS server on loopback with a certificate from its own test CA. `/reflect` echoes
 * the Authorization header it received (a misbehaving upstream), `/reflect-gzip` does so
 * gzip-compressed whatever the client accepts; `/hang` never answers; `/ws` accepts an Upgrade
 * and echoes bytes, `/ws-reflect` declines it with a body echoing Authorization and
 * `/ws-reflect-101` accepts it with a header echoing it (raw bytes, no WebSocket framing); the
 * paths of ws-upstream.ts speak real WebSocket; everything else answers JSON about the request.
 */
export async function startUpstream(ca: TestCa): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const ws = createWsUpstream();
  const server: Server = createServer({
    SNICallback: (name, callback) => {
      ca.leaves.contextFor(name).then((context) => callback(null, context), callback);
    },
  });
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/hang') return;
      if (req.url === '/reflect-gzip') {
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(`you sent ${req.headers.authorization ?? 'nothing'}`));
        return;
      }
      if (req.url === '/reflect') {
        res.end(`you sent ${req.headers.authorization ?? 'nothing'}`);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: body.length }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    if (ws.handle(req, socket, head)) return;
    const auth = req.headers.authorization ?? 'nothing';
    if (req.url === '/ws-reflect') {
      const body = `no upgrade for ${auth}`;
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    if (req.url === '/ws-reflect-101') {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Echo: ${auth}\r\n\r\n`,
      );
      socket.pipe(socket);
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    ws,
    close: () =>
      new Promise((resolve) => {
        ws.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
