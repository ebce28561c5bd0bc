import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LeafCertCache } from '../../images/egress-proxy/leaf-certs.js';

const ONE_KIB = Buffer.alloc(1024, 'x');

/**
 * The benchmark's HTTPS upstream: /1k answers 1 KiB; /upload drains the body and answers. Only
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
