import { once } from 'node:events';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** How a bench client reaches the upstream: straight, or through a proxy by CONNECT. */
export interface Route {
  name: string;
  agent(keepAlive: boolean): HttpsAgent;
}

export function directRoute(ca: string, servername: string): Route {
  return {
    name: 'direct',
    agent: (keepAlive) => new HttpsAgent({ keepAlive, ca, servername, maxSockets: 64 }),
  };
}

/** An https.Agent whose sockets are CONNECT tunnels through the proxy, TLS inside. */
export function proxyRoute(name: string, proxyPort: number, bottleCa: string): Route {
  return {
    name,
    agent(keepAlive) {
      const agent = new HttpsAgent({ keepAlive, maxSockets: 64 });
      const connectAgent = new HttpAgent({ keepAlive: false });
      (agent as unknown as { createConnection: unknown }).createConnection = (
        options: { host: string; port: number; servername?: string },
        callback: (error: Error | null, socket?: Socket) => void,
      ) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port: proxyPort,
          method: 'CONNECT',
          path: `${options.host}:${options.port}`,
          agent: connectAgent,
        });
        req.once('connect', (res, socket: Socket) => {
          if (res.statusCode !== 200) return callback(new Error(`CONNECT ${res.statusCode}`));
          socket.setNoDelay(true);
          const tls = tlsConnect({ socket, servername: options.host, ca: bottleCa });
          tls.once('secureConnect', () => callback(null, tls));
          tls.once('error', (error: Error) => callback(error));
        });
        req.once('error', (error) => callback(error));
        req.end();
        return undefined;
      };
      return agent;
    },
  };
}

/** One request; resolves with its latency in ms. */
export async function timedRequest(
  agent: HttpsAgent,
  url: URL,
  method = 'GET',
  body?: Buffer,
): Promise<number> {
  const started = performance.now();
  const req = httpsRequest(url, {
    agent,
    method,
    headers: body ? { 'content-length': body.length } : {},
  });
  req.end(body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  if (res.statusCode !== 200)
    throw new Error(`${method} ${url.pathname} answered ${res.statusCode}`);
  for await (const _ of res) void _;
  return performance.now() - started;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const median = (values: number[]): number => percentile(values, 50);

/** Sequential latencies (concurrency 1). */
export async function latencies(agent: HttpsAgent, url: URL, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await timedRequest(agent, url));
  return out;
}

/** Requests per second with `concurrency` workers for `ms`. */
export async function throughput(
  agent: HttpsAgent,
  url: URL,
  concurrency: number,
  ms: number,
): Promise<number> {
  let done = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await timedRequest(agent, url);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * MiB/s of `count` POSTs of `body`, or of as many as fit in `budgetMs` (at least two), so a
 * slow proxy cannot stretch the whole bench.
 */
export async function uploadRate(
  agent: HttpsAgent,
  url: URL,
  body: Buffer,
  count: number,
  budgetMs = Infinity,
): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < count && (sent < 2 || performance.now() - started < budgetMs)) {
    await timedRequest(agent, url, 'POST', body);
    sent++;
  }
  return (sent * body.length) / (1024 * 1024) / ((performance.now() - started) / 1000);
}

/** One untimed request that may fail: its status, headers and body text (the rule check). */
export async function probe(
  agent: HttpsAgent,
  url: URL,
  method = 'GET',
  body?: Buffer,
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  const req = httpsRequest(url, {
    agent,
    method,
    headers: body ? { 'content-length': body.length } : {},
  });
  req.end(body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return { status: res.statusCode ?? 0, headers: res.headers, body: text };
}
