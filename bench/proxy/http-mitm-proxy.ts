import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { listening, ruleEnv, type BenchRule, type Started } from './processes.js';

/** http-mitm-proxy's sslCaDir: its CA is certs/ca.pem there, created on the first start. */
export const httpMitmCaDir = (dir: string): string => join(dir, 'http-mitm-proxy');
export const httpMitmCaCert = (dir: string): string => join(httpMitmCaDir(dir), 'certs', 'ca.pem');

/** "http-mitm-proxy 1.1.0" from its package.json, or undefined when it is not installed. */
export function httpMitmProxyVersion(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('http-mitm-proxy/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return `http-mitm-proxy ${version}`;
  } catch {
    return undefined;
  }
}

/**
 * http-mitm-proxy from `bundle` (bundle.ts: bench/proxy/http-mitm-proxy-entry.ts with the
 * package) in its own process, enforcing `rule`; the upstream verified against the bench
 * upstream's CA.
 */
export async function startHttpMitmProxy(
  dir: string,
  bundle: string,
  rule: BenchRule,
  host: string,
): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      ...ruleEnv(rule, host),
      BENCH_CA_DIR: httpMitmCaDir(dir),
      BENCH_UPSTREAM_CA: join(dir, 'up/ca.crt'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return listening(child, started, 'http-mitm-proxy');
}
