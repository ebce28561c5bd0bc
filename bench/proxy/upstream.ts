import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LeafCertCache } from '../../images/egress-proxy/leaf-certs.js';

const ONE_KIB = Buffer.alloc(1024, 'x');

/** The benchmark's HTTPS upstream: /1k answers 1 KiB; /upload drains the body and answers. */
export async function startBenchUpstream(leaves: LeafCertCache) {
  const server = createServer({
    SNICallback: (name, callback) => {
      leaves.contextFor(name || '127.0.0.1').then((context) => callback(null, context), callback);
    },
    keepAliveTimeout: 60_000,
  });
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
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
