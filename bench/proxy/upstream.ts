import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LeafCertCache } from '../../images/egress-proxy/leaf-certs.js';

const ONE_KIB = Buffer.alloc(1024, 'x');

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * The benchmark's HTTPS upstream: /1k answers 1 KiB; /upload drains the body and answers;
 * /events?n=N&ms=M is a text/event-stream of N events M ms apart (the first at once), each
 * written, and so flushed, on its own, with data `{"i":k,"t":<epochMs() when written>}`. Only
 * `/1k?auth` (the harness's rule check, never timed) also answers `x-auth-sha256`: the SHA-256
 * of the Authorization it received, so the harness can see a proxy injected the credential
 * without the upstream echoing the secret itself.
 */
export async function startBenchUpstream(leaves: LeafCertCache) {
  const server = createServer({
    SNICallback: (name, callback) => {
      leaves.contextFor(name || '127.0.0.1').then((context) => callback(null, context), callback);
    },
    keepAliveTimeout: 60_000,
  });
  server.on('request', (req, res) => {
    if (/^\/events(\?|$)/.test(req.url ?? '')) return events(req, res);
    req.resume();
    req.on('end', () => {
      if (req.url === '/1k?auth') {
        const auth = req.headers.authorization ?? '';
        res.setHeader('x-auth-sha256', createHash('sha256').update(auth).digest('hex'));
      }
      res.setHeader('content-length', ONE_KIB.length);
      res.end(ONE_KIB);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function events(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const query = new URL(req.url!, 'https://upstream').searchParams;
  const count = Number(query.get('n') ?? 20);
  const spacing = Number(query.get('ms') ?? 50);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = (): void => {
    res.write(`id: ${sent}\ndata: ${JSON.stringify({ i: sent, t: epochMs() })}\n\n`);
    if (++sent === count) res.end();
    else timer = setTimeout(send, spacing);
  };
  res.on('close', () => clearTimeout(timer));
  send();
}
