import { isIP } from 'node:net';

/** host:port as a client named it; host lower-case, IPv6 without brackets. */
export interface HostPort {
  host: string;
  port: number;
}

const NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/;

/** Parses an authority (`host:port`, `[v6]:port`, or a bare host with a default port). */
export function parseAuthority(text: string, defaultPort?: number): HostPort | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]@/]+))(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port === undefined || port < 1 || port > 65535) return undefined;
  if (match[1] !== undefined)
    return isIP(match[1]) === 6 ? { host: match[1].toLowerCase(), port } : undefined;
  const host = match[2]!.toLowerCase().replace(/\.$/, '');
  if (isIP(host) === 4 || NAME.test(host)) return { host, port };
  return undefined;
}

/**
 * Splits an absolute-form `http://authority/path?query` request target without resolving
 * anything in the path (the normaliser must see it raw). Only plain http: HTTPS uses CONNECT.
 */
export function splitAbsoluteUrl(
  url: string,
): { ok: true; authority: HostPort; target: string } | { ok: false; reason: string } {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(url);
  if (!match) {
    return {
      ok: false,
      reason: 'this is a forward proxy: send an absolute URI (http://host/path) or use CONNECT',
    };
  }
  if (match[1]!.toLowerCase() !== 'http') {
    return { ok: false, reason: `"${match[1]}://" requests must use CONNECT (set HTTPS_PROXY)` };
  }
  const authority = parseAuthority(match[2]!, 80);
  if (!authority) return { ok: false, reason: `"${match[2]}" is not a valid host[:port]` };
  const rest = match[3]!;
  return { ok: true, authority, target: rest.startsWith('/') ? rest : `/${rest}` };
}
