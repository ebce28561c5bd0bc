import { once } from 'node:events';
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';

export interface ProxyResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Opens a CONNECT tunnel through the proxy and completes TLS trusting the bottle CA. */
export async function tunnel(
  proxyPort: number,
  host: string,
  port: number,
  bottleCa: string,
): Promise<TLSSocket> {
  const connect = httpRequest({
    host: '127.0.0.1',
    port: proxyPort,
    method: 'CONNECT',
    path: `${host}:${port}`,
  });
  connect.end();
  const [res, socket] = (await once(connect, 'connect')) as [{ statusCode: number }, Socket];
  if (res.statusCode !== 200) throw new Error(`CONNECT answered ${res.statusCode}`);
  const tls = tlsConnect({ socket, servername: host, ca: bottleCa, ALPNProtocols: ['http/1.1'] });
  await once(tls, 'secureConnect');
  return tls;
}

/** One HTTPS request through the proxy (CONNECT + TLS inside), like an agent's tool makes. */
export async function httpsViaProxy(
  proxyPort: number,
  bottleCa: string,
  url: string,
  init: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer } = {},
): Promise<ProxyResponse> {
  const parsed = /^https:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url);
  if (!parsed) throw new Error(`test url must be https://host:port/path, got ${url}`);
  const [, host, port, path] = parsed;
  const socket = await tunnel(proxyPort, host!, Number(port), bottleCa);
  const req = httpRequest({
    createConnection: () => socket,
    host,
    port: Number(port),
    method: init.method ?? 'GET',
    path,
    headers: init.headers,
  });
  req.end(init.body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  socket.destroy();
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}
