import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The Host names a request may carry: each allowed name bare and with the listening port.
 * Anything else is refused, which also defeats DNS rebinding from a browser.
 */
export function allowedHostSet(names: readonly string[], port: number): Set<string> {
  const allowed = new Set<string>();
  for (const raw of names) {
    const name = raw.toLowerCase();
    const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    allowed.add(host);
    allowed.add(`${host}:${port}`);
  }
  return allowed;
}

export function hostAllowed(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  return hostHeader !== undefined && allowed.has(hostHeader.toLowerCase());
}

/**
 * `Authorization: Bearer <token>` against the bottle's token in constant time: both sides are
 * hashed first so neither the content nor the length of the token leaks through timing.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const presented = digest(match?.[1] ?? '');
  const equal = timingSafeEqual(presented, digest(token));
  return match !== null && token !== '' && equal;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
