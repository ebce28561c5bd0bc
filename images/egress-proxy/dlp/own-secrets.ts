import { secretEnvName } from '../routes/schema.js';

/** One of the bottle's own secrets, as the proxy holds it. */
export interface OwnSecret {
  name: string;
  value: string;
}

/** A byte string to look for, and the secret (by name) it betrays. */
export interface Needle {
  text: string;
  secret: string;
  encoding: string;
}

const PREFIX = 'EGRESS_SECRET_';
/** Shorter values would match ordinary text; they are skipped with a warning by the caller. */
export const MIN_SECRET_LENGTH = 8;

/** The bottle's own secrets: every EGRESS_SECRET_* value in the proxy's environment. */
export function ownSecretsFromEnv(env: NodeJS.ProcessEnv): OwnSecret[] {
  return Object.entries(env).flatMap(([key, value]) =>
    key.startsWith(PREFIX) && value
      ? [{ name: key.slice(PREFIX.length).toLowerCase(), value }]
      : [],
  );
}

/** The value of a route's named secret, or undefined when the launcher did not set it. */
export function secretValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[secretEnvName(name)];
  return value ? value : undefined;
}

/**
 * Every form a secret may take on the wire, as latin1 strings (one char per byte): raw, URL-
 * encoded, hex in both cases, and base64/base64url at each of the three byte alignments it can
 * have inside a longer encoded blob (e.g. `user:secret` in Basic auth).
 */
export function needlesFor(secret: OwnSecret): Needle[] {
  const raw = Buffer.from(secret.value, 'utf8');
  const forms = new Map<string, string>();
  forms.set(raw.toString('latin1'), 'raw');
  const urlEncoded = encodeURIComponent(secret.value);
  forms.set(urlEncoded, 'url');
  forms.set(
    urlEncoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    'url',
  );
  forms.set(raw.toString('hex'), 'hex');
  forms.set(raw.toString('hex').toUpperCase(), 'hex');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    // Only the characters that depend on the secret's bytes alone, not on its neighbours.
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + raw.length) * 8) / 6);
    const stable = encoded.slice(start, end);
    if (stable.length >= MIN_SECRET_LENGTH) {
      forms.set(stable, 'base64');
      forms.set(stable.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    }
  }
  return [...forms].map(([text, encoding]) => ({ text, secret: secret.name, encoding }));
}
