import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './pki.js';

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
  close(): Promise<void>;
}

/**
 * A real HTTPS server on loopback with a certificate from its own test CA. `/reflect` echoes
 * the Authorization header it received (a misbehaving upstream); `/hang` never answers;
 * `/ws` accepts an Upgrade and echoes bytes; everything else answers JSON about the request.
 */
export async function startUpstream(ca: TestCa): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
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
      if (req.url === '/reflect') {
        res.end(`you sent ${req.headers.authorization ?? 'nothing'}`);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: body.length }));
    });
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
