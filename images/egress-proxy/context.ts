import type { Logger } from '../../lib/log.js';
import type { DecisionLog } from './decision-log.js';
import type { DlpEngine } from './dlp/engine.js';
import type { GrantLedger } from './grants.js';
import type { SecretStore } from './dlp/own-secrets.js';
import type { RoutesInForce } from './matcher.js';
import type { TokenAllow } from './token-allow.js';
import type { Resolver, UpstreamAgents } from './upstream.js';

/** What every request handler needs; built once by startProxy. */
export interface ProxyContext {
  /** The routes in force right now (SIGHUP swaps them; ended grants are left out). */
  routes(): RoutesInForce;
  /** The uses of limited grants (grants.ts). */
  grants: GrantLedger;
  engine: DlpEngine;
  tokenAllow: TokenAllow;
  resolver: Resolver;
  agents: UpstreamAgents;
  /** Route credentials and the bottle's own secrets (--secrets-dir, or EGRESS_SECRET_<NAME>). */
  secrets: SecretStore;
  decisions: DecisionLog;
  logger: Logger;
  /** No response headers from an upstream within this many ms → 504. */
  upstreamTimeoutMs: number;
}

/** Where a request goes, as the client addressed it. */
export interface Destination {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** `https://host:port` without default ports, for messages. */
export function origin(dest: Destination): string {
  const port = (dest.scheme === 'https' ? 443 : 80) === dest.port ? '' : `:${dest.port}`;
  const host = dest.host.includes(':') ? `[${dest.host}]` : dest.host;
  return `${dest.scheme}://${host}${port}`;
}
